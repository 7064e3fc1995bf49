#!/usr/bin/env bash
# The demo on a fresh machine: bootstrap (Node 24, pnpm, dependencies), then run the orders demo on
# the in-memory transport. SWITCHYARD_TRANSPORT=kafka|nats|redis runs the same code on a real broker
# (start it first with infra/up kafka, nats or redis, and source infra/.state/env).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/bin:$PATH"
bash infra/bootstrap.sh
if [ -f infra/.state/env ] && [ "${SWITCHYARD_TRANSPORT:-memory}" != memory ]; then
  set -a
  # shellcheck disable=SC1091
  . infra/.state/env
  set +a
fi
exec pnpm --filter @switchyard/example-orders start
