#!/usr/bin/env bash
# The README's test command: setup, then type check, lint, and the whole test suite
# (unit, then integration against real PostgreSQL on every provider in
# SHARDMOVE_TEST_PROVIDERS, default local,containers).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
echo "[test] type check"
npx tsc --noEmit
echo "[test] lint and format"
npx biome ci --error-on-warnings .
echo "[test] vitest"
npx vitest run "$@"
