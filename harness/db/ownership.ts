import type pg from 'pg';

/**
 * Databases shardmove creates carry this comment. Anything without it belongs to someone
 * else: shardmove never drops or overwrites it unless told to (--allow-destructive).
 */
const marker = 'created by shardmove run ';

/** new's copy of a moved shard also names the migration that made it: a rollback drops only that. */
const migrationMarker = ' migration ';

export function ownershipComment(runId: string, migrationId?: string): string {
  return migrationId === undefined
    ? `${marker}${runId}`
    : `${marker}${runId}${migrationMarker}${migrationId}`;
}

export type DatabaseState =
  | { exists: false }
  | { exists: true; ownedBy: string | undefined; migration?: string | undefined };

function owner(comment: string): { ownedBy: string | undefined; migration?: string } {
  if (!comment.startsWith(marker)) return { ownedBy: undefined };
  const rest = comment.slice(marker.length);
  const at = rest.indexOf(migrationMarker);
  return at < 0
    ? { ownedBy: rest }
    : { ownedBy: rest.slice(0, at), migration: rest.slice(at + migrationMarker.length) };
}

export async function databaseStates(
  client: pg.Client,
  names: readonly string[],
): Promise<Map<string, DatabaseState>> {
  const { rows } = await client.query<{ datname: string; comment: string | null }>(
    `select d.datname, shobj_description(d.oid, 'pg_database') as comment
       from pg_database d where d.datname = any($1::text[])`,
    [names],
  );
  const found = new Map(rows.map((r) => [r.datname, r.comment]));
  return new Map(
    names.map((name): [string, DatabaseState] => {
      if (!found.has(name)) return [name, { exists: false }];
      return [name, { exists: true, ...owner(found.get(name) ?? '') }];
    }),
  );
}

export async function ownedDatabases(client: pg.Client, runId: string): Promise<string[]> {
  const { rows } = await client.query<{ datname: string }>(
    `select datname from pg_database
      where shobj_description(oid, 'pg_database') = $1 or starts_with(shobj_description(oid, 'pg_database'), $2)
      order by datname`,
    [ownershipComment(runId), `${ownershipComment(runId)}${migrationMarker}`],
  );
  return rows.map((r) => r.datname);
}

export async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  const ident = client.escapeIdentifier(name);
  await client.query(`drop database if exists ${ident} with (force)`);
}

export async function createOwnedDatabase(
  client: pg.Client,
  name: string,
  runId: string,
  template?: string,
  migrationId?: string,
): Promise<void> {
  const ident = client.escapeIdentifier(name);
  await client.query(
    `create database ${ident}${template ? ` template ${client.escapeIdentifier(template)}` : ''}`,
  );
  await client.query(
    `comment on database ${ident} is ${client.escapeLiteral(ownershipComment(runId, migrationId))}`,
  );
}
