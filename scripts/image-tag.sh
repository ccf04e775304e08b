#!/usr/bin/env bash
# Prints the node image tag: content-addressed by docker/, so a change there means a rebuild.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hash=$(cd "$root/docker" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
echo "shardmove/postgres-plproxy:15-$hash"
