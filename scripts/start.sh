#!/usr/bin/env bash
# The README's main command: install what is missing, then rehearse the seed scenario (db23
# moved from old to new under load) on the default provider. Extra arguments go to
# `shardmove run`; the exit code is its verdict.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
exec node bin/shardmove.js run seed-db23 "$@"
