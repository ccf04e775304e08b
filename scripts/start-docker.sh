#!/usr/bin/env bash
# Starts a Docker engine when none answers. Ours runs without the userland proxy: with it,
# every packet from the load generator to the proxy container is copied through a
# user-space process, which costs the containers provider a large share of its TPS.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if docker_ready; then
  log "docker: engine already running"
  exit 0
fi
command -v dockerd >/dev/null || die "dockerd not found: run scripts/setup-apt.sh first"
log "docker: starting dockerd (log: /var/log/shardmove-dockerd.log)"
as_root setsid nohup dockerd --userland-proxy=false --storage-driver=overlay2 \
  >/var/log/shardmove-dockerd.log 2>&1 < /dev/null &
for _ in $(seq 1 60); do
  docker_ready && { log "docker: engine ready"; exit 0; }
  sleep 1
done
tail -20 /var/log/shardmove-dockerd.log >&2 || true
die "docker: dockerd did not become ready within 60 s"
