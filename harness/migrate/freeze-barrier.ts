import type pg from 'pg';
import { type MigrationContext, onNode } from './migration-context.ts';
import type { Evidence } from './phase-result.ts';
import { pollUntil } from './poll.ts';

/** Re-runs a count query every 20 ms until it returns 0 or the deadline passes; returns the last count. */
async function pollUntilZero(
  client: pg.Client,
  sql: string,
  params: unknown[],
  deadline: number,
): Promise<number> {
  const count = async () => (await client.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;
  return (await pollUntil(count, (n) => n === 0, deadline, 20)).value;
}

/** login_log's rows on old: at the barrier, and again at parity, to count writes that slipped in between. */
export async function oldLoginLogRows(context: MigrationContext): Promise<number> {
  return onNode(context, 'old', context.database, async (c) => {
    const { rows } = await c.query<{ n: number }>('select count(*)::int n from digoal.login_log');
    return rows[0]?.n ?? 0;
  });
}

/**
 * With the connstring freeze (the article's) the freeze is soft: default_transaction_read_only
 * applies to new connections, and each proxy backend reloads the cluster lazily, at the
 * start of its next transaction. A call already running on old at the ALTER still commits
 * read-write, and a proxy transaction that began just before the ALTER can still send one.
 * So, in two steps:
 * 1. on the proxy, wait until every running transaction began after the freeze: from then
 *    on no proxy backend will send anything to a pre-freeze connection;
 * 2. on old, wait until the statement or transaction each pre-freeze session was running
 *    has ended: pre-freeze sessions left idle are unused for good.
 * Each waits at most the barrier timeout; then the stragglers still busy are terminated.
 * Afterwards nothing can write to old.
 */
export async function freezeBarrier(context: MigrationContext, evidence: Evidence): Promise<void> {
  const freezeAt = context.marks.freezeAt;
  if (freezeAt === undefined) throw new Error('freeze barrier before the freeze');
  if (context.config.migration.freeze === 'table-triggers') {
    // CREATE TRIGGER waited for the writers in flight when it took its locks.
    evidence.method = 'table-triggers: the freeze DDL was the barrier';
  } else await waitForPreFreezeWork(context, freezeAt, evidence);
  context.marks.oldLogRowsAtBarrier = await oldLoginLogRows(context);
  evidence.oldLoginLogRows = context.marks.oldLogRowsAtBarrier;
  context.marks.barrierAt = performance.timeOrigin + performance.now();
}

async function waitForPreFreezeWork(
  context: MigrationContext,
  freezeAt: number,
  evidence: Evidence,
): Promise<void> {
  const started = performance.now();
  const timeout = context.config.migration.barrierTimeoutMillis;
  await onNode(context, 'proxy', context.config.topology.proxyDatabase, async (c) => {
    const stale = await pollUntilZero(
      c,
      `select count(*)::int n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
          and xact_start < to_timestamp($1::double precision / 1000)`,
      [freezeAt],
      started + timeout,
    );
    evidence.proxyTransactionsBeforeFreezeAtTimeout = stale;
    evidence.proxyWaitMillis = Math.round(performance.now() - started);
  });
  await onNode(context, 'old', 'postgres', async (c) => {
    // The work (transaction, or statement) each pre-freeze session is doing right now.
    const { rows: inFlight } = await c.query<{ pid: number; since: string }>(
      `select pid, coalesce(xact_start, query_start)::text since from pg_stat_activity
        where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'
          and backend_start < to_timestamp($2::double precision / 1000)
          and (state <> 'idle' or xact_start is not null)`,
      [context.database, freezeAt],
    );
    // Each of those pieces of work must end; new work on those sessions does not count
    // (step 1: nothing sends to a pre-freeze connection any more, so it is a frozen
    // connection the proxy opened within the clock's error, doing reads).
    const stillBusy = `from pg_stat_activity a join unnest($1::int[], $2::text[]) w(pid, since) on a.pid = w.pid
                        where coalesce(a.xact_start, a.query_start)::text = w.since
                          and (a.state <> 'idle' or a.xact_start is not null)`;
    const params = [inFlight.map((r) => r.pid), inFlight.map((r) => r.since)];
    const busy = inFlight.length
      ? await pollUntilZero(c, `select count(*)::int n ${stillBusy}`, params, started + 2 * timeout)
      : 0;
    // Only work still running at the timeout is terminated: killing an idle or a frozen
    // session would fail a read that was right to succeed.
    const { rows } =
      busy === 0
        ? { rows: [{ n: 0 }] }
        : await c.query<{ n: number }>(
            `select count(pg_terminate_backend(a.pid))::int n ${stillBusy}`,
            params,
          );
    evidence.waitedMillis = Math.round(performance.now() - started);
    evidence.inFlightOnOld = inFlight.length;
    evidence.inFlightAtTimeout = busy;
    evidence.terminatedSessions = rows[0]?.n ?? 0;
  });
}
