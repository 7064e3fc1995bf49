# shellcheck shell=bash
# Shared helpers for infra/up, infra/down, infra/status, infra/kafka-cluster and infra/kafka-perf.
# Sourced, never run. Everything here binds to 127.0.0.1 and keeps its state in infra/.state/
# (pids, data, logs, certificates, the env file) and its downloads/builds in ~/.cache/switchyard.

INFRA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${INFRA_STATE_DIR:-$INFRA_DIR/.state}
CACHE_DIR=${SWITCHYARD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/switchyard}
BIN_DIR=$CACHE_DIR/bin
ENV_FILE=$STATE_DIR/env
HOST=127.0.0.1
# The official Go tarball's place, for shells whose PATH lacks it (CI runs with a minimal PATH).
[[ -x /usr/local/go/bin/go && ":$PATH:" != *":/usr/local/go/bin:"* ]] && PATH=$PATH:/usr/local/go/bin

# Services in the order `all` starts them (slow JVMs first so they boot while the rest is prepared).
ALL_SERVICES=(kafka kafka-cluster kafka-secure nats nats-latest nats-secure redis redis-secure jaeger)

# Credentials of the secured variants. Loopback-only test brokers: fixed, documented values so
# docker-compose.yml and the scripts agree; override by exporting these before `infra/up`.
SECURE_USER=${INFRA_SECURE_USER:-switchyard}
SECURE_PASSWORD=${INFRA_SECURE_PASSWORD:-switchyard-secret}
KAFKA_PLAIN_USER=${INFRA_KAFKA_PLAIN_USER:-switchyard-plain}
KAFKA_PLAIN_PASSWORD=${INFRA_KAFKA_PLAIN_PASSWORD:-switchyard-plain-secret}
KAFKA_ADMIN_USER=admin
KAFKA_ADMIN_PASSWORD=${INFRA_KAFKA_ADMIN_PASSWORD:-admin-secret}
STORE_PASSWORD=${INFRA_STORE_PASSWORD:-changeit-switchyard}

say() { printf '[infra] %s\n' "$*"; }
warn() { printf '[infra] WARNING: %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }

elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- services --------------------------------------------------------------------------------

is_service() { local s; for s in "${ALL_SERVICES[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }
fn_name() { printf '%s' "${1//-/_}"; }   # kafka-cluster -> kafka_cluster (function prefix)

# expand_services ARGS... -> prints the services, `all` expanded, duplicates dropped, in order.
expand_services() {
  local a s seen=" " out=()
  for a in "$@"; do
    if [[ $a == all ]]; then
      for s in "${ALL_SERVICES[@]}"; do [[ $seen == *" $s "* ]] || { out+=("$s"); seen+="$s "; }; done
    elif is_service "$a"; then
      [[ $seen == *" $a "* ]] || { out+=("$a"); seen+="$a "; }
    else
      die "unknown service '$a': choose from ${ALL_SERVICES[*]} or all"
    fi
  done
  printf '%s\n' "${out[@]}"
}

# --- processes -------------------------------------------------------------------------------
# Each process a service starts is recorded as infra/.state/<service>/pids/<node>.pid holding
# "<pid> <start time in clock ticks>". The start time guards against pid reuse: a pid file only
# counts while /proc/<pid>/stat still shows the same start time, so `down` never signals a
# process it did not start.

pid_dir() { printf '%s/%s/pids' "$STATE_DIR" "$1"; }

proc_starttime() {   # field 22 of /proc/PID/stat (after the parenthesised command name)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  printf '%s' "${20}"
}

# pidfile_alive FILE -> prints the pid and succeeds when that recorded process still runs.
pidfile_alive() {
  local pid start cur
  [[ -f $1 ]] || return 1
  read -r pid start < "$1" || return 1
  [[ -n $pid ]] || return 1
  cur=$(proc_starttime "$pid") || return 1
  [[ $cur == "$start" ]] || return 1
  # A zombie has exited - unless only its main thread has and other threads are still winding down
  # (then the process still holds its files and ports).
  if [[ $(awk '{print $3}' "/proc/$pid/stat" 2> /dev/null) == Z ]] \
    && (($(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2> /dev/null || echo 0) <= 1)); then
    return 1
  fi
  printf '%s' "$pid"
}

# spawn SERVICE NODE LOGFILE CMD... : starts CMD in its own session (so Ctrl-C on `infra/up`
# or the end of the calling shell does not take it down), output to LOGFILE, records its pid.
spawn() {
  local svc=$1 node=$2 log=$3; shift 3
  mkdir -p "$(pid_dir "$svc")" "$(dirname "$log")"
  # Without job control a background child is not a process-group leader, so setsid(1) calls
  # setsid() and execs in place: $! is the server's own pid.
  # fd 9 is the infra lock (take_lock): a server must not inherit it, or it would hold the lock forever.
  setsid "$@" >> "$log" 2>&1 < /dev/null 9>&- &
  local pid=$!
  printf '%s\n' "$PORT_OFFSET" > "$OFFSET_FILE"
  local start
  start=$(proc_starttime "$pid") || { sleep 0.2; start=$(proc_starttime "$pid") || start=0; }
  printf '%s %s\n' "$pid" "$start" > "$(pid_dir "$svc")/$node.pid"
}

# Nodes (pid file names without .pid) recorded for a service.
service_nodes() {
  local d f
  d=$(pid_dir "$1")
  [[ -d $d ]] || return 0
  for f in "$d"/*.pid; do [[ -e $f ]] && basename "$f" .pid; done
}

# A service stopped by `infra/service stop|kill` keeps its data dir, config and address until
# `infra/service start` (or `infra/down`): this marker says so, and keeps its env lines.
held_marker() { printf '%s/%s/stopped-keeping-data' "$STATE_DIR" "$1"; }

# pid_paused PID : the process is stopped by a signal (SIGSTOP: `infra/service pause`).
pid_paused() { [[ $(awk '{print $3}' "/proc/$1/stat" 2> /dev/null) == T ]]; }

# service_state SERVICE -> running | partial | stopped
service_state() {
  local svc=$1 n alive=0 total=0
  while read -r n; do
    [[ -n $n ]] || continue
    total=$((total + 1))
    pidfile_alive "$(pid_dir "$svc")/$n.pid" > /dev/null && alive=$((alive + 1))
  done < <(service_nodes "$svc")
  if ((total > 0 && alive == total)); then echo running
  elif ((alive > 0)); then echo partial
  else echo stopped; fi
}

# stop_pids GRACE_SECONDS PIDFILE... : TERM every live recorded process, wait up to GRACE
# seconds for all of them, then KILL what is left and wait for it to go. Removes the pid files.
stop_pidfiles() {
  local grace=$1; shift
  local f pid pids=() files=()
  for f in "$@"; do
    if pid=$(pidfile_alive "$f"); then pids+=("$pid"); files+=("$f"); else rm -f "$f"; fi
  done
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2> /dev/null || true
  # A process paused by `infra/service pause` (SIGSTOP) acts on TERM only once it runs again.
  kill -CONT "${pids[@]}" 2> /dev/null || true
  local deadline left
  deadline=$(awk -v a="$(now)" -v g="$grace" 'BEGIN { printf "%.1f", a + g }')
  while :; do
    left=()
    for f in "${files[@]}"; do pidfile_alive "$f" > /dev/null && left+=("$f"); done
    ((${#left[@]})) || break
    if awk -v d="$deadline" -v n="$(now)" 'BEGIN { exit !(n > d) }'; then
      for f in "${left[@]}"; do
        pid=$(pidfile_alive "$f") || continue
        warn "pid $pid ($(basename "$(dirname "$(dirname "$f")")")/$(basename "$f" .pid)) did not stop within ${grace}s: sending KILL"
        kill -KILL "$pid" 2> /dev/null || true
      done
      local i
      for i in $(seq 1 50); do
        left=()
        for f in "${files[@]}"; do pidfile_alive "$f" > /dev/null && left+=("$f"); done
        ((${#left[@]})) || break
        sleep 0.1
      done
      break
    fi
    sleep 0.2
  done
  for f in "${files[@]}"; do
    if pid=$(pidfile_alive "$f"); then warn "pid $pid survived KILL (is it stuck in the kernel?)"; else rm -f "$f"; fi
  done
}

# --- network ---------------------------------------------------------------------------------

port_open() { (exec 3<> "/dev/tcp/$HOST/$1") 2> /dev/null; }

# The process listening on PORT, for error messages.
port_owner() { ss -ltnpH "sport = :$1" 2> /dev/null | sed -n 's/.*users:((\("[^"]*",pid=[0-9]*\).*/\1/p' | head -n1; }

# When PORT's owner was started by infra/up of another checkout (its command line or working
# directory is under some other .../infra/), says which one and how to stop it.
port_owner_hint() {
  local pid where root
  pid=$(ss -ltnpH "sport = :$1" 2> /dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1)
  [[ -n $pid ]] || return 0
  where="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null) $(readlink "/proc/$pid/cwd" 2> /dev/null)"
  root=$(grep -o '/[^ ]*/infra/\(\.state\|jaeger\)/' <<< "$where" | head -n1 | sed 's:/infra/.*::')
  if [[ -n $root && $root != "$(dirname "$INFRA_DIR")" ]]; then
    printf ' It was started by infra/up of another checkout, %s: run `%s/infra/down` there first.' "$root" "$root"
  fi
}

require_ports_free() {
  local svc=$1 p; shift
  for p in "$@"; do
    if port_open "$p"; then
      die "$svc: port $p on $HOST is already taken by $(port_owner "$p" || echo 'another process'), which this infra/up did not start.$(port_owner_hint "$p") Stop it, or run \`infra/status\` to see what infra runs."
    fi
  done
}

# wait_until SERVICE TIMEOUT WHAT PROBE_FN [START] : calls PROBE_FN until it succeeds or TIMEOUT
# seconds (counted from START, default now: the service's launch) pass, printing what it waits for
# every 10 s. Fails early when one of the service's processes has exited.
wait_until() {
  local svc=$1 timeout=$2 what=$3 probe=$4 t0=${5:-} last=0 e delay=0.5
  [[ -n $t0 ]] || t0=$(now)
  say "$svc: waiting for $what (up to ${timeout}s)"
  while :; do
    if "$probe" > /dev/null 2>&1; then
      say "$svc: ready $(elapsed "$t0")s after launch — $what"
      return 0
    fi
    if [[ $(service_state "$svc") != running ]]; then
      warn "$svc: a process exited while waiting for $what"
      return 1
    fi
    e=$(elapsed "$t0")
    if awk -v e="$e" -v t="$timeout" 'BEGIN { exit !(e >= t) }'; then
      warn "$svc: gave up after ${timeout}s waiting for $what (on a busy machine try INFRA_TIMEOUT=$((timeout * 2)))"
      return 1
    fi
    if awk -v e="$e" -v l="$last" 'BEGIN { exit !(e - l >= 10) }'; then
      say "$svc: still waiting for $what (${e}s)"
      last=$e
    fi
    # Kafka's probes start a JVM (1-2 s of CPU each): asked every 0.5 s they took a core from the
    # node being waited for. From 0.5 s to 2 s between probes.
    sleep "$delay"
    delay=$(awk -v d="$delay" 'BEGIN { print (d * 2 > 2 ? 2 : d * 2) }')
  done
}

http_ok() { curl -fsS --max-time 2 -o /dev/null "$1"; }

# --- tools -----------------------------------------------------------------------------------

APT_UPDATED=0
apt_install() {   # apt_install PACKAGE... (only when a command is missing; needs root)
  if ((EUID != 0)); then
    die "need $* but not root: run \`sudo apt-get install -y $*\` and try again"
  fi
  if ((APT_UPDATED == 0)); then
    say "apt-get update (to install $*)"
    apt-get update -qq > "$CACHE_DIR/apt-update.log" 2>&1 || { tail -n 20 "$CACHE_DIR/apt-update.log" >&2; die "apt-get update failed"; }
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" > "$CACHE_DIR/apt-install.log" 2>&1 \
    || { tail -n 20 "$CACHE_DIR/apt-install.log" >&2; die "apt-get install $* failed (log above)"; }
}

need_cmd() {   # need_cmd COMMAND APT_PACKAGE
  command -v "$1" > /dev/null 2>&1 || apt_install "$2"
  command -v "$1" > /dev/null 2>&1 || die "$1 is still missing after installing $2"
}

# Runs a long build/download in the background and prints a heartbeat with the last log line, so
# a first start that compiles for minutes never looks hung. run_with_progress LABEL LOG CMD...
run_with_progress() {
  local label=$1 log=$2; shift 2
  local t0 pid rc last count
  t0=$(now)
  mkdir -p "$(dirname "$log")"
  "$@" > "$log" 2>&1 9>&- &
  pid=$!
  while kill -0 "$pid" 2> /dev/null; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2> /dev/null || break; sleep 1; done
    if kill -0 "$pid" 2> /dev/null; then
      last=$(tail -n 1 "$log" 2> /dev/null | cut -c1-90)
      count=""
      # go build -v prints one line per compiled package: a rough progress count.
      [[ $label == *build ]] && count=", $(grep -vc '^go: ' "$log" 2> /dev/null || true) packages compiled"
      say "$label: still working ($(elapsed "$t0")s$count) ${last:+— $last}"
    fi
  done
  if wait "$pid"; then rc=0; else rc=$?; fi
  if ((rc != 0)); then
    tail -n 30 "$log" >&2
    die "$label failed (exit $rc) after $(elapsed "$t0")s; full log: $log"
  fi
  say "$label: done in $(elapsed "$t0")s"
}

# go_build_bin NAME MODULE VERSION PACKAGE : a Go binary built once into ~/.cache/switchyard/bin.
# Uses `go install` when the module allows it; modules with replace directives (Jaeger) cannot be
# `go install`ed, so their source is fetched from the module proxy (`go mod download`) and built
# as the main module instead. Prints the binary's path.
go_build_bin() {
  local name=$1 module=$2 version=$3 pkg=$4
  local bin=$BIN_DIR/$name-$version
  if [[ -x $bin ]]; then printf '%s\n' "$bin"; return 0; fi
  command -v go > /dev/null 2>&1 || die "go is not installed: install Go >= 1.25 (apt-get install golang-go is too old; use the official tarball) and run again"
  mkdir -p "$BIN_DIR" "$CACHE_DIR/logs"
  local log=$CACHE_DIR/logs/build-$name-$version.log
  export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
  say "$name: fetching $module@$version from the Go module proxy" >&2
  local dir
  dir=$(go mod download -json "$module@$version" 2> "$log" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [[ -n $dir && -d $dir ]] || { cat "$log" >&2; die "go mod download $module@$version failed: is the Go module proxy reachable (GOPROXY=$(go env GOPROXY))?"; }
  if ! grep -qE '^[[:space:]]*replace[[:space:](]' "$dir/go.mod"; then
    local path=$module
    [[ $pkg == . ]] || path=$module/$pkg
    say "$name: go install $path@$version (first time only; log $log)" >&2
    local gobin=$CACHE_DIR/gobin-$name-$version
    rm -rf "$gobin"
    run_with_progress "$name build" "$log" env GOBIN="$gobin" go install -v "$path@$version" >&2
    mv "$gobin"/* "$bin"
    rm -rf "$gobin"
  else
    local src=$CACHE_DIR/src/$name-$version
    say "$name: $module@$version has replace directives, so \`go install\` refuses it: building ./$pkg from the module's source as the main module instead (first time only, many minutes on 2 cores; log $log)" >&2
    rm -rf "$src"
    mkdir -p "$(dirname "$src")"
    cp -r "$dir" "$src"
    chmod -R u+w "$src"
    run_with_progress "$name build" "$log" bash -c "cd '$src' && go build -v -trimpath -o '$bin.tmp' './$pkg'" >&2
    mv "$bin.tmp" "$bin"
  fi
  printf '%s\n' "$bin"
}

# --- certificates ----------------------------------------------------------------------------
# One CA and one server certificate (SAN 127.0.0.1 and localhost) in infra/.state/certs, made
# with openssl once and reused by every secured service: PEM for NATS, Redis and Node clients,
# PKCS12 keystore/truststore (keytool) for Kafka.

CERT_DIR=$STATE_DIR/certs
ensure_certs() {
  need_cmd openssl openssl
  if [[ -f $CERT_DIR/server.p12 && -f $CERT_DIR/truststore.p12 ]] \
    && openssl x509 -checkend 86400 -noout -in "$CERT_DIR/server.crt" > /dev/null 2>&1; then
    return 0
  fi
  command -v keytool > /dev/null 2>&1 || die "keytool (from Java 17) is missing: apt-get install openjdk-17-jre-headless"
  say "certs: generating a CA and a server certificate for 127.0.0.1 in $CERT_DIR"
  rm -rf "$CERT_DIR"
  mkdir -p "$CERT_DIR"
  (
    cd "$CERT_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=Switchyard infra test CA" \
      -keyout ca.key -out ca.crt -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2> /dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr 2> /dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -extfile server.ext -out server.crt 2> /dev/null
    cat server.crt ca.crt > server-chain.crt
    openssl pkcs12 -export -name server -in server.crt -inkey server.key -certfile ca.crt \
      -passout "pass:$STORE_PASSWORD" -out server.p12
    keytool -importcert -noprompt -alias ca -file ca.crt -storetype PKCS12 \
      -keystore truststore.p12 -storepass "$STORE_PASSWORD" > /dev/null 2>&1
    rm -f server.csr server.ext ca.srl
    chmod 600 ca.key server.key
  ) || die "certificate generation failed in $CERT_DIR (needs openssl and keytool)"
}

# --- env file --------------------------------------------------------------------------------

# write_env : rewrites infra/.state/env from the services that are running now.
write_env() {
  mkdir -p "$STATE_DIR"
  local tmp=$ENV_FILE.tmp s f
  {
    printf '# Written by infra/up and infra/down (%s). Source it: . %s\n' "$(date -u +%FT%TZ)" "$ENV_FILE"
    printf '# Only services that are running are listed.\n'
    if [[ -n ${KAFKA_JARS_DIR_RESOLVED:-} || -d $(kafka_jars_dir) ]]; then
      printf 'export KAFKA_JARS_DIR=%s\n' "$(kafka_jars_dir)"
    fi
    for s in "${ALL_SERVICES[@]}"; do
      [[ $(service_state "$s") == running || $(service_state "$s") == partial || -f $(held_marker "$s") ]] || continue
      f="$(fn_name "$s")_env"
      "$f"
    done
  } > "$tmp"
  mv "$tmp" "$ENV_FILE"
  # Remember the port offset while anything of this state dir runs (see INFRA_PORT_OFFSET).
  if grep -q '^export [A-Z]' <(grep -v '^export KAFKA_JARS_DIR=' "$ENV_FILE"); then
    printf '%s\n' "$PORT_OFFSET" > "$OFFSET_FILE"
  else
    rm -f "$OFFSET_FILE"
  fi
}

# Exclusive lock so two `infra/up`/`infra/down` calls (say, parallel test jobs) do not race.
take_lock() {
  mkdir -p "$STATE_DIR"
  exec 9> "$STATE_DIR/.lock"
  if ! flock -n 9; then
    local holders p
    holders=$(for p in /proc/[0-9]*; do
      [[ ${p#/proc/} == "$$" || ${p#/proc/} == "$BASHPID" ]] && continue
      ls -l "$p/fd" 2> /dev/null | grep -q "$STATE_DIR/.lock" && printf ' %s(%s)' "${p#/proc/}" "$(tr '\0' ' ' < "$p/cmdline" 2> /dev/null | cut -c1-60)"
    done
    true)
    say "another infra/up or infra/down is running:${holders:- ?} — waiting for it (up to 600s)"
    flock -w 600 9 || die "timed out waiting for the lock $STATE_DIR/.lock"
  fi
}

log_tail() {   # log_tail SERVICE LOGFILE...
  local svc=$1 f; shift
  for f in "$@"; do
    [[ -f $f ]] || continue
    printf '[infra] ---- last 40 lines of %s ----\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
}

# INFRA_PORT_OFFSET=N adds N to every port (e.g. 1000: Kafka on 10092, NATS on 5222), so a second
# checkout or a CI run can bring up its own brokers beside a developer's. The env file carries the
# shifted addresses, so tests need no change. INFRA_PORT_OFFSET=auto takes the first of 0, 1000,
# ..., 5000 whose ports are all free. The offset in use is remembered in infra/.state/port-offset
# while anything runs, so later calls (down, status, kafka-cluster) need not repeat it.
BASE_PORTS=(9092 9093 9096 9097 19092 19093 19094 19192 19193 19194 4222 8222 4232 8232 4242 8242 6379 6380 4317 4318 16685 16686 13133)
OFFSET_FILE=$STATE_DIR/port-offset
SAVED_OFFSET=$(cat "$OFFSET_FILE" 2> /dev/null || true)
anything_running() {
  local s
  for s in "${ALL_SERVICES[@]}"; do [[ $(service_state "$s") == stopped && ! -f $(held_marker "$s") ]] || return 0; done
  return 1
}
if [[ -n $SAVED_OFFSET ]] && ! anything_running; then   # left over from a crash or a reboot
  rm -f "$OFFSET_FILE"
  SAVED_OFFSET=""
fi
ports_free_at() {   # ports_free_at OFFSET : none of the base ports + OFFSET accepts connections
  local p
  for p in "${BASE_PORTS[@]}"; do (exec 3<> "/dev/tcp/$HOST/$((p + $1))") 2> /dev/null && return 1; done
  return 0
}
case ${INFRA_PORT_OFFSET:-} in
  "") PORT_OFFSET=${SAVED_OFFSET:-0} ;;
  auto)
    if [[ -n $SAVED_OFFSET ]]; then
      PORT_OFFSET=$SAVED_OFFSET
    else
      PORT_OFFSET=""
      for _o in 0 1000 2000 3000 4000 5000; do
        if ports_free_at "$_o"; then PORT_OFFSET=$_o; break; fi
      done
      [[ -n $PORT_OFFSET ]] || die "INFRA_PORT_OFFSET=auto: ports are taken at offsets 0 to 5000; run infra/status, or stop other brokers"
      unset _o
    fi
    ;;
  *) PORT_OFFSET=$INFRA_PORT_OFFSET ;;
esac
[[ $PORT_OFFSET =~ ^[0-9]+$ ]] && ((PORT_OFFSET <= 40000)) || die "INFRA_PORT_OFFSET must be a number from 0 to 40000 or auto, not '$PORT_OFFSET'"
if [[ -n $SAVED_OFFSET && $SAVED_OFFSET != "$PORT_OFFSET" ]]; then
  die "the brokers of $STATE_DIR run with INFRA_PORT_OFFSET=$SAVED_OFFSET, not $PORT_OFFSET: use that offset, or infra/down them first"
fi

for _lib in kafka nats redis jaeger; do
  # shellcheck source=/dev/null
  . "$INFRA_DIR/lib/$_lib.sh"
done
unset _lib
