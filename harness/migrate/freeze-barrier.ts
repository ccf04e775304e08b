import type pg from 'pg';
import { type MigrationContext, onNode } from './migration-context.ts';
import type { Evidence } from './phase-result.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Re-runs a count query every 20 ms until it returns 0 or the deadline passes; returns the last count. */
async function pollUntilZero(
  client: pg.Client,
  sql: string,
  params: unknown[],
  deadline: number,
): Promise<number> {
  for (;;) {
    const { rows } = await client.query<{ n: number }>(sql, params);
    const n = rows[0]?.n ?? 0;
    if (n === 0 || performance.now() > deadline) return n;
    await sleep(20);
  }
}

/**
 * The freeze is soft: default_transaction_read_only applies to new connections, and each
 * proxy backend reloads the cluster lazily, at the start of its next transaction. A call
 * already running on old at the ALTER still commits read-write, and a proxy transaction
 * that began just before the ALTER can still send one. So, in two steps:
 * 1. on the proxy, wait until every running transaction began after the freeze: from then
 *    on no proxy backend will send anything to a pre-freeze connection;
 * 2. on old, wait until no session that predates the freeze is inside a statement or
 *    transaction: pre-freeze sessions left idle are unused for good.
 * Each waits at most the barrier timeout; then the stragglers still busy are terminated.
 * Afterwards nothing can write to old.
 */
export async function freezeBarrier(context: MigrationContext, evidence: Evidence): Promise<void> {
  const freezeAt = context.marks.freezeAt;
  if (freezeAt === undefined) throw new Error('freeze barrier before the freeze');
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
    const predating = `datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'
                       and backend_start < to_timestamp($2::double precision / 1000)
                       and (state <> 'idle' or xact_start is not null)`;
    const busy = await pollUntilZero(
      c,
      `select count(*)::int n from pg_stat_activity where ${predating}`,
      [context.database, freezeAt],
      started + 2 * timeout,
    );
    // Only stragglers still busy at the timeout are terminated. An idle pre-freeze session
    // is never used again (step 1), and the cutoff is the harness's clock: a frozen
    // connection the proxy opened in the milliseconds before it can look older than the
    // freeze, and killing it would fail a read that was right to succeed.
    const { rows } =
      busy === 0
        ? { rows: [{ n: 0 }] }
        : await c.query<{ n: number }>(
            `select count(pg_terminate_backend(pid))::int n from pg_stat_activity where ${predating}`,
            [context.database, freezeAt],
          );
    evidence.waitedMillis = Math.round(performance.now() - started);
    evidence.inFlightAtTimeout = busy;
    evidence.terminatedSessions = rows[0]?.n ?? 0;
  });
  await onNode(context, 'old', context.database, async (c) => {
    const { rows } = await c.query<{ n: number }>('select count(*)::int n from digoal.login_log');
    context.marks.oldLogRowsAtBarrier = rows[0]?.n ?? 0;
    evidence.oldLoginLogRows = context.marks.oldLogRowsAtBarrier;
  });
  context.marks.barrierAt = performance.timeOrigin + performance.now();
}
