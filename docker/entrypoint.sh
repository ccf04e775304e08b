#!/bin/sh
# Initialises a cluster whose superuser comes from the environment and whose password is
# read from a file (never an environment variable, which docker inspect would show), then
# runs postgres in the foreground with the settings file shardmove copied in (and any
# "-c name=value" arguments passed to the container: only the port and cluster name).
set -eu
: "${SHARDMOVE_USER:?SHARDMOVE_USER must be set}"
: "${SHARDMOVE_PASSWORD_FILE:?SHARDMOVE_PASSWORD_FILE must be set}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb -D "$PGDATA" -U "$SHARDMOVE_USER" --pwfile="$SHARDMOVE_PASSWORD_FILE" --auth-local=trust --auth-host="${SHARDMOVE_AUTH:-scram-sha-256}" \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  echo "host all all 0.0.0.0/0 ${SHARDMOVE_AUTH:-scram-sha-256}" >> "$PGDATA/pg_hba.conf"
  # The server settings shardmove copies in: a file, so that no value is on a command line.
  echo "include_if_exists = '/run/shardmove/server.conf'" >> "$PGDATA/postgresql.conf"
fi
# The proxy's PL/Proxy and new's postgres_fdw connect to peers with libpq, which finds the
# shared password here (the seed's own practice: a .pgpass on the proxy node).
umask 077
printf '*:*:*:%s:%s\n' "$SHARDMOVE_USER" "$(cat "$SHARDMOVE_PASSWORD_FILE")" > /var/lib/shardmove/.pgpass
export PGPASSFILE=/var/lib/shardmove/.pgpass
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
