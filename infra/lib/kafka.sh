# shellcheck shell=bash
# Apache Kafka (KRaft, combined broker+controller) from the Maven Central jars, run with Java 17.
#   kafka          one node    PLAINTEXT 127.0.0.1:9092, controller 9093
#   kafka-cluster  three nodes PLAINTEXT 127.0.0.1:19092-19094, controllers 19192-19194,
#                  replication factor 3, min.insync.replicas 2 (infra/kafka-cluster kill|restart)
#   kafka-secure   one node    SASL_SSL 127.0.0.1:9096 (SCRAM-SHA-512 and PLAIN), controller 9097

KAFKA_POM=$INFRA_DIR/kafka/pom.xml
KAFKA_LOG4J=$INFRA_DIR/kafka/log4j2.properties
KAFKA_CLUSTER_IDS=(1 2 3)
P_KAFKA=$((9092 + PORT_OFFSET)) P_KAFKA_CTRL=$((9093 + PORT_OFFSET))
P_KAFKA_SECURE=$((9096 + PORT_OFFSET)) P_KAFKA_SECURE_CTRL=$((9097 + PORT_OFFSET))
# Cluster node ID (1-3): client port 19092-19094, controller 19192-19194 (+ INFRA_PORT_OFFSET).
kafka_cluster_port() { echo $((19091 + $1 + PORT_OFFSET)); }
kafka_cluster_ctrl_port() { echo $((19191 + $1 + PORT_OFFSET)); }

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n1; }
kafka_jars_dir() { printf '%s/kafka-%s' "$CACHE_DIR" "$(kafka_version)"; }

# The broker JVM: Kafka's own G1 settings with a modest heap (override with KAFKA_HEAP_OPTS). The
# single node all suites share gets 1 GiB: a full run creates thousands of partitions (every case's
# topic, its dead-letter and retry topics), and 512 MiB ran out of heap after a few runs.
kafka_broker_jvm_opts() {
  printf '%s\n' ${KAFKA_HEAP_OPTS:--Xms256m -Xmx${1:-512m}} \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$KAFKA_LOG4J"
}

# Short-lived tools (storage format, api-versions probe, configs): C1 only and the serial GC start
# fastest; WARN logging keeps their output clean.
kafka_tool() {
  local cls=$1; shift
  KAFKA_LOG_LEVEL=${KAFKA_TOOL_LOG_LEVEL:-WARN} java 9>&- -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$KAFKA_LOG4J" \
    -cp "$(kafka_jars_dir)/*" "$cls" "$@"
}

kafka_ensure_java() {
  if ! command -v java > /dev/null 2>&1; then apt_install openjdk-17-jre-headless; fi
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')
  [[ ${v%%.*} -ge 17 ]] 2> /dev/null || die "Kafka $(kafka_version) needs Java >= 17, found '${v:-none}': install openjdk-17-jre-headless"
}

# Downloads the broker and tools jars once into ~/.cache/switchyard/kafka-<version>/.
kafka_ensure_jars() {
  kafka_ensure_java
  local dir
  dir=$(kafka_jars_dir)
  [[ -f $dir/.complete ]] && return 0
  command -v mvn > /dev/null 2>&1 || apt_install maven
  mkdir -p "$CACHE_DIR/logs"
  say "kafka: downloading Apache Kafka $(kafka_version) jars from Maven Central into $dir (first time only)"
  rm -rf "$dir.tmp"
  run_with_progress "kafka jars" "$CACHE_DIR/logs/kafka-$(kafka_version)-mvn.log" \
    mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies -DincludeScope=runtime "-DoutputDirectory=$dir.tmp"
  ls "$dir.tmp"/kafka_2.13-*.jar > /dev/null 2>&1 || die "mvn finished but $dir.tmp has no kafka_2.13 jar: see $CACHE_DIR/logs/kafka-$(kafka_version)-mvn.log"
  touch "$dir.tmp/.complete"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
}

# A KRaft cluster id: 16 random bytes, URL-safe base64 (what `kafka-storage random-uuid` prints).
# One id in 64 starts with '-', so kafka_format passes it as `--cluster-id=ID`: a separate
# argument starting with '-' is read by the tool's parser as an option (CI once failed so).
kafka_cluster_id() { head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }

# Settings every node shares. $1 = replication factor, $2 = min.insync.replicas.
kafka_common_props() {
  local rf=$1 isr=$2
  cat << EOF
process.roles=broker,controller
controller.listener.names=CONTROLLER
num.partitions=${INFRA_KAFKA_PARTITIONS:-1}
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
# Tests create their own topics; auto-creation stays at Kafka's default (true) unless
# INFRA_KAFKA_AUTO_CREATE_TOPICS=false is exported before infra/up.
auto.create.topics.enable=${INFRA_KAFKA_AUTO_CREATE_TOPICS:-true}
delete.topic.enable=true
# A new group's first join is not delayed by 3 s (test speed; production keeps the default).
group.initial.rebalance.delay.ms=0
# Detect a dead broker in ~6 s instead of 9 s so failover tests stay short.
broker.session.timeout.ms=6000
broker.heartbeat.interval.ms=1000
replica.lag.time.max.ms=10000
log.retention.hours=24
# The controller appends a no-op record every 500 ms by default, which every node replicates: an
# idle single node spent 19 % of a core, 11 % with 5 s (six JVMs share 2 cores during the tests).
metadata.max.idle.interval.ms=5000
EOF
}

kafka_format() {   # kafka_format SERVICE NODE PROPS CLUSTER_ID EXTRA_ARGS...
  local svc=$1 node=$2 props=$3 cid=$4; shift 4
  local log=$STATE_DIR/$svc/$node-format.log
  if ! kafka_tool kafka.tools.StorageTool format --ignore-formatted "--cluster-id=$cid" -c "$props" "$@" > "$log" 2>&1; then
    log_tail "$svc" "$log"
    return 1
  fi
}

kafka_start_node() {   # kafka_start_node SERVICE NODE PROPS
  local svc=$1 node=$2 props=$3
  local opts=()
  # The shared single node gets 1 GiB of heap, cluster and secured nodes 512 MiB.
  mapfile -t opts < <(kafka_broker_jvm_opts "$([[ $svc == kafka ]] && echo 1g || echo 512m)")
  spawn "$svc" "$node" "$STATE_DIR/$svc/$node.log" java "${opts[@]}" -cp "$(kafka_jars_dir)/*" kafka.Kafka "$props"
}

# --- kafka (single node) -------------------------------------------------------------------

kafka_prepare() { kafka_ensure_jars; }
kafka_ports() { echo $P_KAFKA $P_KAFKA_CTRL; }
kafka_timeout() { echo "${INFRA_TIMEOUT:-120}"; }
kafka_what() { echo "an ApiVersions answer from 127.0.0.1:$P_KAFKA (kafka-broker-api-versions)"; }

kafka_launch() {
  local d=$STATE_DIR/kafka
  rm -rf "$d/data" "$d"/*.log
  mkdir -p "$d/data"
  {
    kafka_common_props 1 1
    cat << EOF
node.id=1
controller.quorum.bootstrap.servers=$HOST:$P_KAFKA_CTRL
listeners=PLAINTEXT://$HOST:$P_KAFKA,CONTROLLER://$HOST:$P_KAFKA_CTRL
advertised.listeners=PLAINTEXT://$HOST:$P_KAFKA
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$d/data
EOF
  } > "$d/server.properties"
  kafka_format kafka broker "$d/server.properties" "$(kafka_cluster_id)" --standalone || return 1
  kafka_start_node kafka broker "$d/server.properties"
}

kafka_probe() {
  port_open $P_KAFKA || return 1
  kafka_tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$HOST:$P_KAFKA" 2>&1 | grep -q 'isFenced: false'
}

kafka_env() {
  printf 'export KAFKA_BROKERS=%s\n' "$HOST:$P_KAFKA"
}
kafka_addr() { echo "PLAINTEXT $HOST:$P_KAFKA (controller $P_KAFKA_CTRL)"; }
kafka_logs() { ls "$STATE_DIR/kafka"/*.log 2> /dev/null; }

# --- kafka-cluster (three nodes) -----------------------------------------------------------

kafka_cluster_prepare() { kafka_ensure_jars; }
kafka_cluster_ports() { echo "$(kafka_cluster_port 1) $(kafka_cluster_port 2) $(kafka_cluster_port 3) $(kafka_cluster_ctrl_port 1) $(kafka_cluster_ctrl_port 2) $(kafka_cluster_ctrl_port 3)"; }
kafka_cluster_timeout() { echo "${INFRA_TIMEOUT:-180}"; }
kafka_cluster_what() { echo "3 unfenced brokers on 127.0.0.1:$(kafka_cluster_port 1)-$(kafka_cluster_port 3) (kafka-broker-api-versions)"; }
kafka_cluster_brokers() { echo "$HOST:$(kafka_cluster_port 1),$HOST:$(kafka_cluster_port 2),$HOST:$(kafka_cluster_port 3)"; }

kafka_cluster_props() {   # kafka_cluster_props ID
  local id=$1 d=$STATE_DIR/kafka-cluster
  kafka_common_props 3 2
  cat << EOF
node.id=$id
controller.quorum.voters=1@$HOST:$(kafka_cluster_ctrl_port 1),2@$HOST:$(kafka_cluster_ctrl_port 2),3@$HOST:$(kafka_cluster_ctrl_port 3)
listeners=PLAINTEXT://$HOST:$(kafka_cluster_port "$id"),CONTROLLER://$HOST:$(kafka_cluster_ctrl_port "$id")
advertised.listeners=PLAINTEXT://$HOST:$(kafka_cluster_port "$id")
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$d/data/node-$id
EOF
}

kafka_cluster_launch() {
  local d=$STATE_DIR/kafka-cluster id cid pids=() rc=0
  rm -rf "$d/data" "$d"/*.log
  mkdir -p "$d/data"
  cid=$(kafka_cluster_id)
  for id in "${KAFKA_CLUSTER_IDS[@]}"; do
    kafka_cluster_props "$id" > "$d/node-$id.properties"
    # The three formats are independent JVM runs: in parallel they take the time of one.
    kafka_format kafka-cluster "node-$id" "$d/node-$id.properties" "$cid" &
    pids+=($!)
  done
  for id in "${pids[@]}"; do wait "$id" || rc=1; done
  ((rc == 0)) || return 1
  for id in "${KAFKA_CLUSTER_IDS[@]}"; do kafka_start_node kafka-cluster "node-$id" "$d/node-$id.properties"; done
}

kafka_cluster_probe() {
  local p
  for p in 1 2 3; do port_open "$(kafka_cluster_port "$p")" || return 1; done
  [[ $(kafka_tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$(kafka_cluster_brokers)" 2>&1 |
    grep -c 'isFenced: false') -ge 3 ]]
}

# Every partition has its full ISR again (after a node rejoined).
kafka_cluster_in_sync() {
  local out
  out=$(kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(kafka_cluster_brokers)" \
    --describe --under-replicated-partitions 2>&1) || return 1
  [[ -z $out ]]
}

kafka_cluster_env() {
  printf 'export KAFKA_CLUSTER_BROKERS=%s\n' "$(kafka_cluster_brokers)"
}
kafka_cluster_addr() { echo "PLAINTEXT $HOST:$(kafka_cluster_port 1),$(kafka_cluster_port 2),$(kafka_cluster_port 3) (controllers $(kafka_cluster_ctrl_port 1)-$(kafka_cluster_ctrl_port 3))"; }
kafka_cluster_logs() { ls "$STATE_DIR/kafka-cluster"/*.log 2> /dev/null; }

# --- kafka-secure (SASL_SSL) ---------------------------------------------------------------

kafka_secure_prepare() { kafka_ensure_jars; ensure_certs; }
kafka_secure_ports() { echo $P_KAFKA_SECURE $P_KAFKA_SECURE_CTRL; }
kafka_secure_timeout() { echo "${INFRA_TIMEOUT:-120}"; }
kafka_secure_what() { echo "a SASL_SSL (SCRAM-SHA-512) ApiVersions answer from 127.0.0.1:$P_KAFKA_SECURE"; }

kafka_secure_launch() {
  local d=$STATE_DIR/kafka-secure
  rm -rf "$d/data" "$d"/*.log
  mkdir -p "$d/data"
  {
    kafka_common_props 1 1
    cat << EOF
node.id=1
controller.quorum.bootstrap.servers=$HOST:$P_KAFKA_SECURE_CTRL
listeners=SASL_SSL://$HOST:$P_KAFKA_SECURE,CONTROLLER://$HOST:$P_KAFKA_SECURE_CTRL
advertised.listeners=SASL_SSL://$HOST:$P_KAFKA_SECURE
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN_USER" password="$KAFKA_ADMIN_PASSWORD";
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$KAFKA_ADMIN_USER" password="$KAFKA_ADMIN_PASSWORD" user_$KAFKA_ADMIN_USER="$KAFKA_ADMIN_PASSWORD" user_$KAFKA_PLAIN_USER="$KAFKA_PLAIN_PASSWORD";
ssl.keystore.type=PKCS12
ssl.keystore.location=$CERT_DIR/server.p12
ssl.keystore.password=$STORE_PASSWORD
ssl.key.password=$STORE_PASSWORD
ssl.truststore.type=PKCS12
ssl.truststore.location=$CERT_DIR/truststore.p12
ssl.truststore.password=$STORE_PASSWORD
ssl.client.auth=none
log.dirs=$d/data
EOF
  } > "$d/server.properties"
  kafka_secure_client_props > "$d/client-scram.properties"
  # SCRAM credentials are stored in the metadata log: bootstrap them at format time, so the broker
  # can authenticate to itself (inter-broker SCRAM) from its first second.
  kafka_format kafka-secure broker "$d/server.properties" "$(kafka_cluster_id)" --standalone \
    --add-scram "SCRAM-SHA-512=[name=$KAFKA_ADMIN_USER,password=$KAFKA_ADMIN_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=$SECURE_USER,password=$SECURE_PASSWORD]" || return 1
  kafka_start_node kafka-secure broker "$d/server.properties"
}

# Java client settings for the secured broker (used by the probe and by infra/kafka-perf --secure).
kafka_secure_client_props() {
  cat << EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$SECURE_USER" password="$SECURE_PASSWORD";
ssl.truststore.type=PKCS12
ssl.truststore.location=$CERT_DIR/truststore.p12
ssl.truststore.password=$STORE_PASSWORD
EOF
}

kafka_secure_probe() {
  port_open $P_KAFKA_SECURE || return 1
  kafka_tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$HOST:$P_KAFKA_SECURE" \
    --command-config "$STATE_DIR/kafka-secure/client-scram.properties" 2>&1 | grep -q 'isFenced: false'
}

kafka_secure_env() {
  cat << EOF
export KAFKA_SECURE_BROKERS=$HOST:$P_KAFKA_SECURE
export KAFKA_SECURE_MECHANISM=scram-sha-512
export KAFKA_SECURE_USER=$SECURE_USER
export KAFKA_SECURE_PASSWORD=$SECURE_PASSWORD
export KAFKA_SECURE_PLAIN_USER=$KAFKA_PLAIN_USER
export KAFKA_SECURE_PLAIN_PASSWORD=$KAFKA_PLAIN_PASSWORD
export KAFKA_SECURE_CA_FILE=$CERT_DIR/ca.crt
export KAFKA_SECURE_CLIENT_PROPERTIES=$STATE_DIR/kafka-secure/client-scram.properties
EOF
}
kafka_secure_addr() { echo "SASL_SSL $HOST:$P_KAFKA_SECURE SCRAM-SHA-512+PLAIN (controller $P_KAFKA_SECURE_CTRL)"; }
kafka_secure_logs() { ls "$STATE_DIR/kafka-secure"/*.log 2> /dev/null; }

# Starts the cluster nodes whose process is gone (kill, crash) on their existing data, then waits
# until all three brokers are unfenced again.
kafka_cluster_start_missing() {
  local d=$STATE_DIR/kafka-cluster id started=0
  for id in "${KAFKA_CLUSTER_IDS[@]}"; do
    if ! pidfile_alive "$(pid_dir kafka-cluster)/node-$id.pid" > /dev/null; then
      [[ -f $d/node-$id.properties ]] || die "kafka-cluster: $d/node-$id.properties is missing: run infra/down kafka-cluster && infra/up kafka-cluster"
      require_ports_free "kafka-cluster node $id" "$(kafka_cluster_port "$id")" "$(kafka_cluster_ctrl_port "$id")"
      say "kafka-cluster: starting node $id (PLAINTEXT $HOST:$(kafka_cluster_port "$id"))"
      kafka_start_node kafka-cluster "node-$id" "$d/node-$id.properties"
      started=1
    fi
  done
  ((started)) || say "kafka-cluster: all nodes are running"
  wait_until kafka-cluster "$(kafka_cluster_timeout)" "$(kafka_cluster_what)" kafka_cluster_probe || {
    mapfile -t logs < <(kafka_cluster_logs)
    log_tail kafka-cluster "${logs[@]}"
    return 1
  }
}
