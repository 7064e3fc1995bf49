#!/usr/bin/env bash
# The whole test suite on a fresh machine: bootstrap, bring up the real brokers the integration
# and conformance tests need (infra/up), run Vitest once over every project, stop what it started.
# Set SWITCHYARD_TEST_SERVICES to a smaller list (e.g. "kafka nats") to bring up less.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/bin:$PATH"

bash infra/bootstrap.sh

services=${SWITCHYARD_TEST_SERVICES:-all}
# Another checkout's brokers on the default ports (a developer's, while CI runs on the same machine)
# must not stop this run: take the first free port offset; the env file carries the addresses.
export INFRA_PORT_OFFSET=${INFRA_PORT_OFFSET:-auto}
echo "[test-all] starting brokers: $services (first start on a fresh machine downloads and builds them)"
# Stop the brokers on success and failure alike (SWITCHYARD_KEEP_BROKERS=1 keeps them for the next run).
cleanup() {
  if [ "${SWITCHYARD_KEEP_BROKERS:-0}" != 1 ]; then
    echo "[test-all] stopping brokers: $services"
    # shellcheck disable=SC2086
    infra/down $services || true
  fi
}
trap cleanup EXIT
# shellcheck disable=SC2086
infra/up $services

set -a
# shellcheck disable=SC1091
. infra/.state/env
set +a

mkdir -p .test-results
rm -f .test-results/vitest.json
echo "[test-all] running vitest (unit, conformance, integration, smoke, install)"
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json
