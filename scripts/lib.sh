# Shared helpers for the setup scripts. Sourced, not run.
log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
docker_ready() { docker info >/dev/null 2>&1; }
