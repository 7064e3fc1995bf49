# shellcheck shell=bash
# Redis 7 from Debian's redis-server package.
#   redis         127.0.0.1:6379, no auth, no persistence
#   redis-secure  TLS only on 127.0.0.1:6380, ACL user (the default user is disabled)

P_REDIS=$((6379 + PORT_OFFSET)) P_REDIS_SECURE=$((6380 + PORT_OFFSET))

redis_bin() {
  need_cmd redis-server redis-server
  need_cmd redis-cli redis-tools
  command -v redis-server
}

# redis_conf SERVICE EXTRA : common settings; the server runs in the foreground under our pid file.
redis_conf() {
  local svc=$1 extra=$2 d=$STATE_DIR/$1
  rm -rf "$d/data" "$d"/*.log
  mkdir -p "$d/data"
  cat > "$d/redis.conf" << CONF
# Written by infra/up $svc.
bind $HOST
protected-mode yes
daemonize no
supervised no
pidfile $d/redis.pid
logfile ""
dir $d/data
save ""
appendonly no
maxmemory 1gb
maxmemory-policy noeviction
$extra
CONF
}

# --- redis -----------------------------------------------------------------------------------
redis_prepare() { redis_bin > /dev/null; }
redis_ports() { echo $P_REDIS; }
redis_timeout() { echo "${INFRA_TIMEOUT:-30}"; }
redis_what() { echo "PONG from redis-cli -p $P_REDIS ping"; }
redis_launch() {
  redis_conf redis "port $P_REDIS"
  spawn redis server "$STATE_DIR/redis/server.log" "$(redis_bin)" "$STATE_DIR/redis/redis.conf"
}
redis_probe() { [[ $(redis-cli -h "$HOST" -p $P_REDIS ping 2> /dev/null) == PONG ]]; }
redis_env() { printf 'export REDIS_URL=redis://%s:%s\n' "$HOST" "$P_REDIS"; }
redis_addr() { echo "redis://$HOST:$P_REDIS v$(redis-server --version 2> /dev/null | sed -n 's/.*v=\([^ ]*\).*/\1/p')"; }
redis_logs() { ls "$STATE_DIR/redis"/*.log 2> /dev/null; }

# --- redis-secure ----------------------------------------------------------------------------
redis_secure_prepare() { redis_bin > /dev/null; ensure_certs; }
redis_secure_ports() { echo $P_REDIS_SECURE; }
redis_secure_timeout() { echo "${INFRA_TIMEOUT:-30}"; }
redis_secure_what() { echo "PONG over TLS on 127.0.0.1:$P_REDIS_SECURE as ACL user $SECURE_USER"; }
redis_secure_launch() {
  local extra
  extra=$(
    cat << CONF
port 0
tls-port $P_REDIS_SECURE
tls-cert-file $CERT_DIR/server.crt
tls-key-file $CERT_DIR/server.key
tls-ca-cert-file $CERT_DIR/ca.crt
tls-auth-clients no
user default off
user $SECURE_USER on >$SECURE_PASSWORD ~* &* +@all
CONF
  )
  redis_conf redis-secure "$extra"
  spawn redis-secure server "$STATE_DIR/redis-secure/server.log" "$(redis_bin)" "$STATE_DIR/redis-secure/redis.conf"
}
redis_secure_probe() {
  [[ $(redis-cli --tls --cacert "$CERT_DIR/ca.crt" -h "$HOST" -p $P_REDIS_SECURE --user "$SECURE_USER" --pass "$SECURE_PASSWORD" \
    --no-auth-warning ping 2> /dev/null) == PONG ]]
}
redis_secure_env() {
  printf 'export REDIS_SECURE_URL=rediss://%s:%s@%s:%s\n' "$SECURE_USER" "$SECURE_PASSWORD" "$HOST" "$P_REDIS_SECURE"
  printf 'export REDIS_SECURE_USER=%s\n' "$SECURE_USER"
  printf 'export REDIS_SECURE_PASSWORD=%s\n' "$SECURE_PASSWORD"
  printf 'export REDIS_SECURE_CA_FILE=%s\n' "$CERT_DIR/ca.crt"
}
redis_secure_addr() { echo "rediss://$HOST:$P_REDIS_SECURE ACL user $SECURE_USER"; }
redis_secure_logs() { ls "$STATE_DIR/redis-secure"/*.log 2> /dev/null; }
