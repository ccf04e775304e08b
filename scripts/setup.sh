#!/usr/bin/env bash
# Installs everything shardmove needs, idempotently: Debian packages, a running Docker
# engine, the node image, and the npm packages. Safe to run again; it skips what is done.
#   SHARDMOVE_SKIP_DOCKER=1   local provider only: no Docker engine, no image
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib.sh"

bash "$root/scripts/setup-apt.sh"

if [ "${SHARDMOVE_SKIP_DOCKER:-}" != 1 ]; then
  bash "$root/scripts/start-docker.sh"
  bash "$root/scripts/build-image.sh"
fi

# Install only when package-lock.json changed since the last install. `npm ci`: exactly the
# locked versions, and it never rewrites package-lock.json, so a fresh clone stays clean
# (`npm install` rewrote it whenever the registry listed a platform package the lock lacked).
stamp="$root/node_modules/.shardmove-lock-sha"
want=$(sha256sum "$root/package-lock.json" | cut -c1-64)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "npm: installing packages (canvas builds from source, about 30 s)"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
else
  log "npm: packages current"
fi
