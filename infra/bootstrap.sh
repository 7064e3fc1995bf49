#!/usr/bin/env bash
# Makes a fresh machine ready for Switchyard, idempotently:
#   1. Node >= 22.12 (installs node@24 from the npm registry when the machine's node is older),
#   2. the pnpm version pinned in package.json's "packageManager",
#   3. the workspace's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[bootstrap] %s\n' "$*"; }

node_ok() { node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null; }

if ! node_ok; then
  say "node $(node --version 2>/dev/null || echo missing) is older than 22.12: installing node@24 from the npm registry into /usr/local (about 10 s)"
  # /usr/bin/node is a plain file a plain `npm i -g` refuses to replace; /usr/local/bin comes first on PATH.
  npm i -g --prefix /usr/local node@24 --loglevel=error
  hash -r
  node_ok || { say "node is still $(node --version); put /usr/local/bin before /usr/bin on PATH and run again"; exit 1; }
fi
say "node $(node --version) at $(command -v node)"

PNPM_VERSION=$(node -p 'require("./package.json").packageManager.split("@")[1].split("+")[0]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  say "installing pnpm $PNPM_VERSION (pinned in package.json)"
  npm i -g --prefix /usr/local "pnpm@$PNPM_VERSION" --loglevel=error
  hash -r
fi
say "pnpm $(pnpm --version)"

say "installing workspace dependencies"
# pnpm cannot record its own pin in the lockfile from this registry (it lists platform builds the
# registry does not serve), so a frozen install would refuse; the lockfile still pins every dependency.
pnpm install --no-frozen-lockfile --reporter=append-only 2>&1 | grep -v 'packageManager pin was not recorded' | tail -n 5
say "ready"
