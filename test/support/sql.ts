import type pg from 'pg';
import type { Endpoint } from '../../harness/config/dsn.ts';
import { connect } from '../../harness/db/connect.ts';

export async function query<R extends pg.QueryResultRow>(
  endpoint: Endpoint,
  database: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  // Generous: a test may connect while a reconnection storm queues at the postmaster.
  const client = await connect(endpoint, database, { connectTimeoutMillis: 60_000 });
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The databases a node holds, sorted. */
export async function databaseNames(endpoint: Endpoint): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    endpoint,
    'postgres',
    'select datname from pg_database order by 1',
  );
  return rows.map((r) => r.datname);
}

/** A node's libpq URI with its password, as a user would hand it to the external provider. */
export function uriWithPassword(endpoint: Endpoint): string {
  const password = encodeURIComponent(endpoint.password?.reveal() ?? '');
  return `postgresql://${endpoint.user}:${password}@${endpoint.host}:${endpoint.port}/postgres`;
}

/** Rows of db23's login_log on a node that carry `userid`: the writes for it that landed there. */
export async function loggedWrites(endpoint: Endpoint, userid: number): Promise<number | undefined> {
  const [row] = await query<{ n: number }>(
    endpoint,
    'db23',
    'select count(*)::int n from digoal.login_log where userid = $1',
    [userid],
  );
  return row?.n;
}
