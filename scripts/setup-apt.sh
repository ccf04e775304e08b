#!/usr/bin/env bash
# Installs the Debian packages shardmove needs; installs only what is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

packages=(
  postgresql-15 postgresql-15-plproxy postgresql-client-15   # local provider, pgbench, psql
  postgresql-plperl-15                                       # topology.connectionCpuMillis (a slow host, rehearsed)
  pgbouncer                                                  # topology.pooler on the local provider
  docker.io debootstrap                                      # containers provider, offline base image
  build-essential libcairo2-dev libpango1.0-dev libjpeg-dev  # canvas (charts) builds from source
  libgif-dev librsvg2-dev libpixman-1-dev pkg-config
  fonts-dejavu-core                                          # chart text (canvas draws with system fonts)
  chromium                                                   # renders the HTML report in tests
  procps util-linux iproute2 iptables                       # --network netns (iptables: where Docker's FORWARD policy drops)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  log "apt packages: all present"
  exit 0
fi
log "apt packages: installing ${missing[*]}"
as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
