# shellcheck shell=bash
# NATS with JetStream.
#   nats         Debian's nats-server 2.9.10 (the oldest version Switchyard promises), 127.0.0.1:4222, monitoring 8222
#   nats-latest  nats-server v2.15.2 built with `go install`,                            127.0.0.1:4232, monitoring 8232
#   nats-secure  Debian's nats-server with TLS and user/password,                        127.0.0.1:4242, monitoring 8242

NATS_LATEST_VERSION=v2.15.2
P_NATS=$((4222 + PORT_OFFSET)) P_NATS_HTTP=$((8222 + PORT_OFFSET))
P_NATS_LATEST=$((4232 + PORT_OFFSET)) P_NATS_LATEST_HTTP=$((8232 + PORT_OFFSET))
P_NATS_SECURE=$((4242 + PORT_OFFSET)) P_NATS_SECURE_HTTP=$((8242 + PORT_OFFSET))

nats_debian_bin() {
  need_cmd nats-server nats-server
  command -v nats-server
}
nats_latest_bin() { printf '%s/nats-server-%s' "$BIN_DIR" "$NATS_LATEST_VERSION"; }

# nats_conf SERVICE PORT HTTP_PORT [EXTRA] : a config file with JetStream in a fresh store dir.
nats_conf() {
  local svc=$1 port=$2 http=$3 extra=${4:-} d=$STATE_DIR/$1
  rm -rf "$d/jetstream" "$d"/*.log
  mkdir -p "$d/jetstream"
  cat > "$d/nats.conf" << CONF
# Written by infra/up $svc.
server_name: switchyard-$svc
listen: $HOST:$port
http: $HOST:$http
max_payload: 8MB
jetstream {
  store_dir: "$d/jetstream"
  max_memory_store: 256MB
  max_file_store: 4GB
}
$extra
CONF
}

# A real protocol check: the server's INFO line on the client port, and JetStream healthy on the
# monitoring port. nats_ready PORT HTTP_PORT [REGEX the INFO line must match]
nats_ready() {
  local port=$1 http=$2 want=${3:-} line
  exec 3<> "/dev/tcp/$HOST/$port" || return 1
  IFS= read -r -t 2 line <&3 || { exec 3>&-; return 1; }
  exec 3>&-
  [[ $line == INFO\ \{* ]] || return 1
  [[ -z $want || $line =~ $want ]] || return 1
  curl -fsS --max-time 2 "http://$HOST:$http/healthz?js-enabled-only=true" | grep -q '"ok"'
}

# nats_spawn SERVICE BIN : starts the server on the config (and JetStream store) its directory holds.
nats_spawn() {
  spawn "$1" server "$STATE_DIR/$1/server.log" "$2" -c "$STATE_DIR/$1/nats.conf"
}

nats_info_version() {   # the server version announced on PORT
  local line
  exec 3<> "/dev/tcp/$HOST/$1" || return 1
  IFS= read -r -t 2 line <&3 || true
  exec 3>&-
  sed -n 's/.*"version":"\([^"]*\)".*/\1/p' <<< "$line"
}

# --- nats ------------------------------------------------------------------------------------
nats_prepare() { nats_debian_bin > /dev/null; need_cmd curl curl; }
nats_ports() { echo $P_NATS $P_NATS_HTTP; }
nats_timeout() { echo "${INFRA_TIMEOUT:-30}"; }
nats_what() { echo "the NATS INFO line on 127.0.0.1:$P_NATS and JetStream healthy on :$P_NATS_HTTP/healthz"; }
nats_launch() {
  nats_conf nats $P_NATS $P_NATS_HTTP
  nats_spawn nats "$(nats_debian_bin)"
}
nats_probe() { nats_ready $P_NATS $P_NATS_HTTP; }
nats_env() { printf 'export NATS_URL=nats://%s:%s\n' "$HOST" "$P_NATS"; }
nats_addr() { echo "nats://$HOST:$P_NATS (monitor :$P_NATS_HTTP) v$(nats_info_version $P_NATS 2> /dev/null || true)"; }
nats_logs() { ls "$STATE_DIR/nats"/*.log 2> /dev/null; }

# --- nats-latest -----------------------------------------------------------------------------
nats_latest_prepare() {
  need_cmd curl curl
  [[ -x $(nats_latest_bin) ]] && return 0
  go_build_bin nats-server github.com/nats-io/nats-server/v2 "$NATS_LATEST_VERSION" . > /dev/null
  [[ -x $(nats_latest_bin) ]] || die "nats-latest: build finished but $(nats_latest_bin) is missing"
}
nats_latest_ports() { echo $P_NATS_LATEST $P_NATS_LATEST_HTTP; }
nats_latest_timeout() { echo "${INFRA_TIMEOUT:-30}"; }
nats_latest_what() { echo "the NATS INFO line on 127.0.0.1:$P_NATS_LATEST and JetStream healthy on :$P_NATS_LATEST_HTTP/healthz"; }
nats_latest_launch() {
  nats_conf nats-latest $P_NATS_LATEST $P_NATS_LATEST_HTTP
  nats_spawn nats-latest "$(nats_latest_bin)"
}
nats_latest_probe() { nats_ready $P_NATS_LATEST $P_NATS_LATEST_HTTP; }
nats_latest_env() { printf 'export NATS_LATEST_URL=nats://%s:%s\n' "$HOST" "$P_NATS_LATEST"; }
nats_latest_addr() { echo "nats://$HOST:$P_NATS_LATEST (monitor :$P_NATS_LATEST_HTTP) v$(nats_info_version $P_NATS_LATEST 2> /dev/null || true)"; }
nats_latest_logs() { ls "$STATE_DIR/nats-latest"/*.log 2> /dev/null; }

# --- nats-secure -----------------------------------------------------------------------------
nats_secure_prepare() { nats_debian_bin > /dev/null; need_cmd curl curl; ensure_certs; }
nats_secure_ports() { echo $P_NATS_SECURE $P_NATS_SECURE_HTTP; }
nats_secure_timeout() { echo "${INFRA_TIMEOUT:-30}"; }
nats_secure_what() { echo "a NATS INFO line demanding TLS and auth on 127.0.0.1:$P_NATS_SECURE and JetStream healthy on :$P_NATS_SECURE_HTTP/healthz"; }
nats_secure_launch() {
  # NATS takes either a token or a users list in one authorization block, not both; user/password
  # is what Switchyard's adapter documents, so this server has no token.
  local extra
  extra=$(
    cat << CONF
tls {
  cert_file: "$CERT_DIR/server.crt"
  key_file: "$CERT_DIR/server.key"
  ca_file: "$CERT_DIR/ca.crt"
  timeout: 5
}
authorization {
  users: [ { user: "$SECURE_USER", password: "$SECURE_PASSWORD" } ]
}
CONF
  )
  nats_conf nats-secure $P_NATS_SECURE $P_NATS_SECURE_HTTP "$extra"
  nats_spawn nats-secure "$(nats_debian_bin)"
}
nats_secure_probe() { nats_ready $P_NATS_SECURE $P_NATS_SECURE_HTTP '"tls_required":true' && nats_ready $P_NATS_SECURE $P_NATS_SECURE_HTTP '"auth_required":true'; }
nats_secure_env() {
  printf 'export NATS_SECURE_URL=tls://%s:%s\n' "$HOST" "$P_NATS_SECURE"
  printf 'export NATS_SECURE_USER=%s\n' "$SECURE_USER"
  printf 'export NATS_SECURE_PASSWORD=%s\n' "$SECURE_PASSWORD"
  printf 'export NATS_SECURE_CA_FILE=%s\n' "$CERT_DIR/ca.crt"
}
nats_secure_addr() { echo "tls://$HOST:$P_NATS_SECURE user/password (monitor :$P_NATS_SECURE_HTTP)"; }
nats_secure_logs() { ls "$STATE_DIR/nats-secure"/*.log 2> /dev/null; }
