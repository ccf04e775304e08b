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
# A test worker killed mid-run (a timeout, Ctrl-C) leaves its runs under its own temp dir
# and namespace (test/support/worker-scope.ts): swept here, the user's own runs left alone.
sweep_workers() {
  for dir in "${TMPDIR:-/tmp}"/smw*/; do
    [ -d "$dir" ] || continue
    worker=$(basename "$dir")
    TMPDIR=$dir SHARDMOVE_NAMESPACE="test-worker-${worker#smw}" node bin/shardmove.js down --all >/dev/null 2>&1 || true
  done
}
trap sweep_workers EXIT
npx vitest run "$@"
