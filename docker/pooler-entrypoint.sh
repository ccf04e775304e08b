#!/bin/sh
# Runs pgbouncer in the foreground with the config shardmove copied into the container.
# Its auth file is made here from the password file, so the password is never in an
# environment variable or an image layer.
set -eu
: "${SHARDMOVE_USER:?SHARDMOVE_USER must be set}"
: "${SHARDMOVE_PASSWORD_FILE:?SHARDMOVE_PASSWORD_FILE must be set}"
umask 077
printf '"%s" "%s"\n' "$SHARDMOVE_USER" "$(cat "$SHARDMOVE_PASSWORD_FILE")" > /var/lib/shardmove/userlist.txt
exec pgbouncer /etc/shardmove/pooler/pgbouncer.ini
