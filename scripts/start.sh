#!/usr/bin/env bash
# The README's main command: install what is missing, then run the seed scenario on the
# default provider. Extra arguments go to `shardmove up`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
exec node bin/shardmove.js up --scenario seed-db23 "$@"
