# shellcheck shell=bash
# Redis 7 from Debian's redis-server package.
#   redis         127.0.0.1:6379, no auth, no persistence unless INFRA_REDIS_APPENDONLY=yes
#   redis-secure  TLS only on 127.0.0.1:6380, ACL user (the default user is disabled)
# INFRA_REDIS_APPENDONLY=yes turns on the append-only file (fsync per INFRA_REDIS_APPENDFSYNC:
# everysec by default, always, no), so `infra/redis stop|kill` then `start` keeps the data.

P_REDIS=$((6379 + PORT_OFFSET)) P_REDIS_SECURE=$((6380 + PORT_OFFSET))

redis_bin() {
  need_cmd redis-server redis-server
  need_cmd redis-cli redis-tools
  command -v redis-server
}

# redis_persistence : the append-only settings from INFRA_REDIS_APPENDONLY / INFRA_REDIS_APPENDFSYNC.
redis_persistence() {
  local aof=${INFRA_REDIS_APPENDONLY:-no} fsync=${INFRA_REDIS_APPENDFSYNC:-everysec}
  [[ $aof =~ ^(yes|no)$ ]] || die "INFRA_REDIS_APPENDONLY must be yes or no, got '$aof'"
  [[ $fsync =~ ^(always|everysec|no)$ ]] || die "INFRA_REDIS_APPENDFSYNC must be always, everysec or no, got '$fsync'"
  printf 'appendonly %s\nappendfsync %s\n' "$aof" "$fsync"
}

# redis_conf SERVICE EXTRA : common settings; the server runs in the foreground under our pid file.
# A fresh data dir each time infra/up starts it; infra/redis start reuses the dir and the config.
redis_conf() {
  local svc=$1 extra=$2 d=$STATE_DIR/$1 persistence
  persistence=$(redis_persistence) || exit 1
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
$persistence
maxmemory 4gb
maxmemory-policy noeviction
$extra
CONF
}

# redis_spawn SERVICE : starts the server on the config (and data) its directory holds.
redis_spawn() {
  spawn "$1" server "$STATE_DIR/$1/server.log" "$(redis_bin)" "$STATE_DIR/$1/redis.conf"
}

# --- redis -----------------------------------------------------------------------------------
redis_prepare() { redis_bin > /dev/null && redis_persistence > /dev/null; }
redis_ports() { echo $P_REDIS; }
redis_timeout() { echo "${INFRA_TIMEOUT:-30}"; }
redis_what() { echo "PONG from redis-cli -p $P_REDIS ping"; }
redis_launch() {
  redis_conf redis "port $P_REDIS"
  redis_spawn redis
}
redis_probe() { [[ $(redis-cli -h "$HOST" -p $P_REDIS ping 2> /dev/null) == PONG ]]; }
redis_env() { printf 'export REDIS_URL=redis://%s:%s\n' "$HOST" "$P_REDIS"; }
redis_addr() {
  local aof=""
  grep -qs '^appendonly yes' "$STATE_DIR/redis/redis.conf" && aof=" AOF $(sed -n 's/^appendfsync //p' "$STATE_DIR/redis/redis.conf")"
  echo "redis://$HOST:$P_REDIS$aof v$(redis-server --version 2> /dev/null | sed -n 's/.*v=\([^ ]*\).*/\1/p')"
}
redis_logs() { ls "$STATE_DIR/redis"/*.log 2> /dev/null; }

# --- redis-secure ----------------------------------------------------------------------------
redis_secure_prepare() { redis_bin > /dev/null && redis_persistence > /dev/null; ensure_certs; }
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
  redis_spawn redis-secure
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
