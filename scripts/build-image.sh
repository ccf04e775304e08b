#!/usr/bin/env bash
# Builds the node image from docker/. The tag carries a hash of docker/, so the build is
# skipped when the image is current. Where no registry answers, the Debian base is made
# locally with debootstrap; the Dockerfile stays unchanged (the base is a build ARG).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)

tag=$(bash "$root/scripts/image-tag.sh")
if docker image inspect "$tag" >/dev/null 2>&1; then
  log "image: $tag is current"
  exit 0
fi

# SHARDMOVE_BASE_IMAGE=debian:bookworm-slim uses (and lets docker pull) the registry image.
# Without it, a registry image already present is used, else a local base is built, so
# that setup never depends on a registry being reachable.
registry_base=debian:bookworm-slim
local_base=shardmove/debian-base:bookworm
if [ -n "${SHARDMOVE_BASE_IMAGE:-}" ]; then
  base=$SHARDMOVE_BASE_IMAGE
elif docker image inspect "$registry_base" >/dev/null 2>&1; then
  base=$registry_base
elif docker image inspect "$local_base" >/dev/null 2>&1; then
  base=$local_base
else
  # The machine's own apt sources: debootstrap fetches from the first Debian URI they name,
  # and the image's apt-get then reads those same sources (suites, security, signing keys),
  # so the image installs what this machine would. No mirror is written into the project.
  sources=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
  mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/*$/\1/p; s/^deb \(\[[^]]*\] \)*\(http[^ ]*debian\)\/* .*/\2/p' "${sources[@]}" 2>/dev/null | head -1 || true)
  [ -n "$mirror" ] || die "no Debian source in this machine's apt sources (/etc/apt/sources.list, sources.list.d/) to build the base image from; or set SHARDMOVE_BASE_IMAGE"
  log "image: building the base $local_base with debootstrap from $mirror (this machine's apt sources; a few minutes, once)"
  rootfs=$(mktemp -d /tmp/shardmove-rootfs.XXXXXX)
  trap 'as_root rm -rf "$rootfs"' EXIT
  as_root debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/tmp/shardmove-debootstrap.log 2>&1 \
    || { tail -20 /tmp/shardmove-debootstrap.log >&2; die "debootstrap failed (log: /tmp/shardmove-debootstrap.log)"; }
  as_root rm -f "$rootfs/etc/apt/sources.list"
  for f in "${sources[@]}"; do
    [ -f "$f" ] || continue
    as_root mkdir -p "$rootfs$(dirname "$f")"
    as_root cp "$f" "$rootfs$f"
    # The keys a source is signed by, where they are not in the base already.
    for key in $(sed -n 's/^Signed-By: *\(\/[^ ]*\)$/\1/p; s/.*signed-by=\([^] ]*\).*/\1/p' "$f"); do
      if [ -f "$key" ] && [ ! -f "$rootfs$key" ]; then
        as_root mkdir -p "$rootfs$(dirname "$key")"
        as_root cp "$key" "$rootfs$key"
      fi
    done
  done
  as_root tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - "$local_base" >/dev/null
  base=$local_base
fi
log "image: building $tag from $base"
docker build --build-arg "BASE_IMAGE=$base" --label dev.shardmove.managed=true -t "$tag" "$root/docker" >/tmp/shardmove-image-build.log 2>&1 || { tail -30 /tmp/shardmove-image-build.log >&2; die "docker build failed (log: /tmp/shardmove-image-build.log)"; }
log "image: built $tag"
