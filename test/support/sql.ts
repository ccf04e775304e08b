import type pg from 'pg';
import type { Endpoint } from '../../harness/config/dsn.ts';
import { connect } from '../../harness/db/connect.ts';

export async function query<R extends pg.QueryResultRow>(
  endpoint: Endpoint,
  database: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = await connect(endpoint, database, { connectTimeoutMillis: 10_000 });
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
