import type pg from 'pg';
import { connect } from '../db/connect.ts';
import { ShardmoveError } from '../errors.ts';
import type { MigrationContext } from './migration-context.ts';

const lockKey = (database: string) => `shardmove migrate ${database}`;

/**
 * A session advisory lock on old for the partition's shard, held for a whole migrate or
 * recover: two processes moving one shard (two clones, two state directories, two hosts)
 * never interleave, whatever their state directories say. It goes with the session, so a
 * process killed -9 does not leave it behind.
 */
export async function lockPartition(context: MigrationContext, command: string): Promise<AsyncDisposable> {
  const node = context.nodes.old;
  const applicationName = `shardmove ${command} pid ${process.pid}`;
  const client = await connect(
    { ...node.endpoint, database: 'postgres' },
    'postgres',
    { connectTimeoutMillis: context.config.connectTimeoutMillis, applicationName },
    'old/postgres',
  );
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock(hashtextextended($1, 0)) locked',
      [lockKey(context.database)],
    );
    if (!rows[0]?.locked) {
      const holder = await lockHolder(client, context.database);
      throw new ShardmoveError(
        `${context.database} is being moved by another process: ${holder ?? 'a session on old holds its lock'}`,
        { hint: 'wait for it to finish (or `shardmove recover` once it has stopped)' },
      );
    }
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return { [Symbol.asyncDispose]: () => client.end().catch(() => {}) };
}

async function lockHolder(client: pg.Client, database: string): Promise<string | undefined> {
  const { rows } = await client.query<{ who: string }>(
    `select format('%s (backend %s, since %s)', a.application_name, a.pid, a.backend_start) who
       from pg_locks l join pg_stat_activity a using (pid)
      where l.locktype = 'advisory' and l.granted and l.objsubid = 1
        and ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)`,
    [lockKey(database)],
  );
  return rows[0]?.who;
}
