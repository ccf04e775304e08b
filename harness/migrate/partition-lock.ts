import type pg from 'pg';
import { connect } from '../db/connect.ts';
import { errorMessage, ShardmoveError } from '../errors.ts';
import { withinDeadline } from '../util/deadline.ts';
import type { MigrationContext } from './migration-context.ts';

const lockKey = (database: string) => `shardmove migrate ${database}`;

/** How often the lock's session is asked whether it is still there. */
const heartbeatMillis = 2_000;

export interface PartitionLock extends AsyncDisposable {
  /** Why the lock is no longer held (its session ended or stopped answering); undefined while held. */
  lost(): string | undefined;
}

/**
 * A session advisory lock on old for the partition's shard, held for a whole migrate or
 * recover: two processes moving one shard (two clones, two state directories, two hosts)
 * never interleave, whatever their state directories say. It goes with the session, so a
 * process killed -9 does not leave it behind; and so does an old restart, an
 * idle_session_timeout or a dropped connection, silently. So the session is exempted from
 * idle_session_timeout, asked every 2 s, and its end is noted: the context's lockLost says
 * so, and the migration stops at its next phase rather than go on unguarded.
 */
export async function lockPartition(context: MigrationContext, command: string): Promise<PartitionLock> {
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
    // Idle for the whole move but for the heartbeat: no server-side timeout may end it.
    await client.query('set idle_session_timeout = 0');
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  let lost: string | undefined;
  let released = false;
  const note = (why: string) => {
    if (!released) lost ??= why;
  };
  client.on('error', (error) => note(`its session failed: ${error.message}`));
  client.on('end', () => note('its session on old ended'));
  const heartbeat = setInterval(() => {
    withinDeadline(
      client.query('select 1'),
      Math.max(heartbeatMillis, context.config.connectTimeoutMillis),
      'no answer',
    ).catch((error: unknown) => note(`its session on old stopped answering (${errorMessage(error)})`));
  }, heartbeatMillis);
  heartbeat.unref();
  const lock: PartitionLock = {
    lost: () => lost,
    async [Symbol.asyncDispose]() {
      released = true;
      clearInterval(heartbeat);
      if (context.lockLost === lock.lost) context.lockLost = undefined;
      await client.end().catch(() => {});
    },
  };
  context.lockLost = lock.lost;
  return lock;
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
