# shellcheck shell=bash
# Redis 7 from Debian's redis-server package.
#   redis         127.0.0.1:6379, no auth, no persistence
#   redis-secure  TLS only on 127.0.0.1:6380, ACL user (the default user is disabled)

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
redis_ports() { echo 6379; }
redis_timeout() { echo "${INFRA_TIMEOUT:-30}"; }
redis_what() { echo "PONG from redis-cli -p 6379 ping"; }
redis_launch() {
  redis_conf redis "port 6379"
  spawn redis server "$STATE_DIR/redis/server.log" "$(redis_bin)" "$STATE_DIR/redis/redis.conf"
}
redis_probe() { [[ $(redis-cli -h "$HOST" -p 6379 ping 2> /dev/null) == PONG ]]; }
redis_env() { printf 'export REDIS_URL=redis://%s:6379\n' "$HOST"; }
redis_addr() { echo "redis://$HOST:6379 v$(redis-server --version 2> /dev/null | sed -n 's/.*v=\([^ ]*\).*/\1/p')"; }
redis_logs() { ls "$STATE_DIR/redis"/*.log 2> /dev/null; }

# --- redis-secure ----------------------------------------------------------------------------
redis_secure_prepare() { redis_bin > /dev/null; ensure_certs; }
redis_secure_ports() { echo 6380; }
redis_secure_timeout() { echo "${INFRA_TIMEOUT:-30}"; }
redis_secure_what() { echo "PONG over TLS on 127.0.0.1:6380 as ACL user $SECURE_USER"; }
redis_secure_launch() {
  local extra
  extra=$(
    cat << CONF
port 0
tls-port 6380
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
  [[ $(redis-cli --tls --cacert "$CERT_DIR/ca.crt" -h "$HOST" -p 6380 --user "$SECURE_USER" --pass "$SECURE_PASSWORD" \
    --no-auth-warning ping 2> /dev/null) == PONG ]]
}
redis_secure_env() {
  printf 'export REDIS_SECURE_URL=rediss://%s:%s@%s:6380\n' "$SECURE_USER" "$SECURE_PASSWORD" "$HOST"
  printf 'export REDIS_SECURE_USER=%s\n' "$SECURE_USER"
  printf 'export REDIS_SECURE_PASSWORD=%s\n' "$SECURE_PASSWORD"
  printf 'export REDIS_SECURE_CA_FILE=%s\n' "$CERT_DIR/ca.crt"
}
redis_secure_addr() { echo "rediss://$HOST:6380 ACL user $SECURE_USER"; }
redis_secure_logs() { ls "$STATE_DIR/redis-secure"/*.log 2> /dev/null; }
