# shellcheck shell=bash
# Jaeger v2.13.0 (Go module tag v1.76.0) with in-memory storage: OTLP gRPC 4317 and HTTP 4318 in,
# query API/UI 16686 (gRPC 16685) out, health 13133, all on 127.0.0.1.

JAEGER_MODULE_VERSION=v1.76.0
P_OTLP_GRPC=$((4317 + PORT_OFFSET)) P_OTLP_HTTP=$((4318 + PORT_OFFSET))
P_JAEGER_QUERY=$((16686 + PORT_OFFSET)) P_JAEGER_QUERY_GRPC=$((16685 + PORT_OFFSET)) P_JAEGER_HEALTH=$((13133 + PORT_OFFSET))
jaeger_bin() { printf '%s/jaeger-%s' "$BIN_DIR" "$JAEGER_MODULE_VERSION"; }

jaeger_prepare() {
  need_cmd curl curl
  [[ -x $(jaeger_bin) ]] && return 0
  go_build_bin jaeger github.com/jaegertracing/jaeger "$JAEGER_MODULE_VERSION" cmd/jaeger > /dev/null
  [[ -x $(jaeger_bin) ]] || die "jaeger: build finished but $(jaeger_bin) is missing"
}
jaeger_ports() { echo $P_OTLP_GRPC $P_OTLP_HTTP $P_JAEGER_QUERY_GRPC $P_JAEGER_QUERY $P_JAEGER_HEALTH; }
jaeger_timeout() { echo "${INFRA_TIMEOUT:-60}"; }
jaeger_what() { echo "health on :$P_JAEGER_HEALTH, the query API on :$P_JAEGER_QUERY and OTLP on :$P_OTLP_GRPC/:$P_OTLP_HTTP"; }
jaeger_launch() {
  local d=$STATE_DIR/jaeger
  rm -rf "$d"/*.log
  mkdir -p "$d"
  # config.yaml reads its ports from these variables (${env:...} in OpenTelemetry Collector syntax).
  spawn jaeger server "$d/server.log" env JAEGER_PORT_OTLP_GRPC="$P_OTLP_GRPC" JAEGER_PORT_OTLP_HTTP="$P_OTLP_HTTP" \
    JAEGER_PORT_QUERY_HTTP="$P_JAEGER_QUERY" JAEGER_PORT_QUERY_GRPC="$P_JAEGER_QUERY_GRPC" JAEGER_PORT_HEALTH="$P_JAEGER_HEALTH" \
    "$(jaeger_bin)" --config "$INFRA_DIR/jaeger/config.yaml"
}
jaeger_probe() {
  http_ok "http://$HOST:$P_JAEGER_HEALTH/status" && http_ok "http://$HOST:$P_JAEGER_QUERY/api/services" && port_open $P_OTLP_GRPC && port_open $P_OTLP_HTTP
}
jaeger_env() {
  printf 'export OTEL_EXPORTER_OTLP_ENDPOINT=http://%s:%s\n' "$HOST" "$P_OTLP_HTTP"
  printf 'export JAEGER_OTLP_GRPC_ENDPOINT=http://%s:%s\n' "$HOST" "$P_OTLP_GRPC"
  printf 'export JAEGER_QUERY_URL=http://%s:%s\n' "$HOST" "$P_JAEGER_QUERY"
}
jaeger_addr() { echo "OTLP grpc $HOST:$P_OTLP_GRPC http $HOST:$P_OTLP_HTTP, query http://$HOST:$P_JAEGER_QUERY"; }
jaeger_logs() { ls "$STATE_DIR/jaeger"/*.log 2> /dev/null; }
