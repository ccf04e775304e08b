import type pg from 'pg';

/**
 * Databases shardmove creates carry this comment. Anything without it belongs to someone
 * else: shardmove never drops or overwrites it unless told to (--allow-destructive).
 */
const marker = 'created by shardmove run ';

export function ownershipComment(runId: string): string {
  return `${marker}${runId}`;
}

export type DatabaseState = { exists: false } | { exists: true; ownedBy: string | undefined };

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
      const comment = found.get(name) ?? '';
      return [
        name,
        { exists: true, ownedBy: comment.startsWith(marker) ? comment.slice(marker.length) : undefined },
      ];
    }),
  );
}

export async function ownedDatabases(client: pg.Client, runId: string): Promise<string[]> {
  const { rows } = await client.query<{ datname: string }>(
    `select datname from pg_database where shobj_description(oid, 'pg_database') = $1 order by datname`,
    [ownershipComment(runId)],
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
): Promise<void> {
  const ident = client.escapeIdentifier(name);
  await client.query(
    `create database ${ident}${template ? ` template ${client.escapeIdentifier(template)}` : ''}`,
  );
  await client.query(`comment on database ${ident} is ${client.escapeLiteral(ownershipComment(runId))}`);
}
