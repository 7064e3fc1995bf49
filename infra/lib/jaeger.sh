# shellcheck shell=bash
# Jaeger v2.13.0 (Go module tag v1.76.0) with in-memory storage: OTLP gRPC 4317 and HTTP 4318 in,
# query API/UI 16686 (gRPC 16685) out, health 13133, all on 127.0.0.1.

JAEGER_MODULE_VERSION=v1.76.0
jaeger_bin() { printf '%s/jaeger-%s' "$BIN_DIR" "$JAEGER_MODULE_VERSION"; }

jaeger_prepare() {
  [[ -x $(jaeger_bin) ]] && return 0
  go_build_bin jaeger github.com/jaegertracing/jaeger "$JAEGER_MODULE_VERSION" cmd/jaeger > /dev/null
  [[ -x $(jaeger_bin) ]] || die "jaeger: build finished but $(jaeger_bin) is missing"
}
jaeger_ports() { echo 4317 4318 16685 16686 13133; }
jaeger_timeout() { echo "${INFRA_TIMEOUT:-60}"; }
jaeger_what() { echo "health on :13133, the query API on :16686 and OTLP on :4317/:4318"; }
jaeger_launch() {
  local d=$STATE_DIR/jaeger
  rm -rf "$d"/*.log
  mkdir -p "$d"
  spawn jaeger server "$d/server.log" "$(jaeger_bin)" --config "$INFRA_DIR/jaeger/config.yaml"
}
jaeger_probe() {
  http_ok "http://$HOST:13133/status" && http_ok "http://$HOST:16686/api/services" && port_open 4317 && port_open 4318
}
jaeger_env() {
  printf 'export OTEL_EXPORTER_OTLP_ENDPOINT=http://%s:4318\n' "$HOST"
  printf 'export JAEGER_OTLP_GRPC_ENDPOINT=http://%s:4317\n' "$HOST"
  printf 'export JAEGER_QUERY_URL=http://%s:16686\n' "$HOST"
}
jaeger_addr() { echo "OTLP grpc $HOST:4317 http $HOST:4318, query http://$HOST:16686"; }
jaeger_logs() { ls "$STATE_DIR/jaeger"/*.log 2> /dev/null; }
