import type pg from 'pg';
import { onNode } from '../../db/node-session.ts';
import { epochNow } from '../../util/epoch-clock.ts';
import { pollUntil } from '../../util/poll.ts';
import type { MigrationContext } from '../migration-context.ts';
import type { BarrierEvidence } from '../phase-evidence.ts';
import type { Phase } from '../phase-result.ts';

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
 * start of its next transaction. A proxy transaction that began before the ALTER keeps the
 * read-write connstring to its end: a call in it, even one made long after the freeze,
 * writes to old read-write (opening a connection to old then, if it had none). So, in two
 * steps:
 * 1. on the proxy, every transaction that began before the freeze must end: waited for up
 *    to the barrier timeout, then its backend is terminated (a write it had not sent is
 *    never sent; its client gets an error, not an acknowledgement);
 * 2. on old, the work (statement or transaction) that began before step 1 ended, on old's
 *    own clock, must end: a write sent just before its proxy transaction ended. Waited for
 *    up to the barrier timeout, then terminated.
 * Afterwards nothing can write to old: every proxy transaction runs on the frozen connstring.
 */
export async function freezeBarrier(context: MigrationContext, evidence: BarrierEvidence): Promise<void> {
  const freezeAt = context.marks.freezeAt;
  if (freezeAt === undefined) throw new Error('freeze barrier before the freeze');
  if (context.config.migration.freeze === 'table-triggers') {
    // CREATE TRIGGER waited for the writers in flight when it took its locks.
    evidence.method = 'table-triggers: the freeze DDL was the barrier';
  } else await waitForPreFreezeWork(context, evidence);
  context.marks.oldLogRowsAtBarrier = await oldLoginLogRows(context);
  evidence.oldLoginLogRows = context.marks.oldLogRowsAtBarrier;
  context.marks.barrierAt = epochNow();
}

/** Proxy transactions that began before the freeze (on the proxy's clock), but the harness's own. */
const preFreezeProxyWork = `from pg_stat_activity
  where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
    and application_name <> 'shardmove' and xact_start < $1::timestamptz`;

/** Work on old's shard that began before a moment on old's clock. */
const earlierWorkOnOld = `from pg_stat_activity
  where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'
    and (state <> 'idle' or xact_start is not null)
    and coalesce(xact_start, query_start) < $2::timestamptz`;

/**
 * The sessions `from` selects must end: waited for until the deadline, then terminated, then
 * waited for again (a terminated backend exits at its next interrupt check: until it has,
 * it is still a risk). Only what is still running at the deadline is terminated: killing an
 * idle or a frozen session would fail a read that was right to succeed.
 */
async function endOrTerminate(
  c: pg.Client,
  from: string,
  params: unknown[],
  deadline: number,
  exitMillis: number,
  what: string,
): Promise<{ atStart: number; atTimeout: number; terminated: number }> {
  const count = `select count(*)::int n ${from}`;
  const atStart = (await c.query<{ n: number }>(count, params)).rows[0]?.n ?? 0;
  const atTimeout = atStart === 0 ? 0 : await pollUntilZero(c, count, params, deadline);
  if (atTimeout === 0) return { atStart, atTimeout, terminated: 0 };
  const { rows } = await c.query<{ n: number }>(
    `select count(pg_terminate_backend(pid))::int n ${from}`,
    params,
  );
  const left = await pollUntilZero(c, count, params, performance.now() + exitMillis);
  if (left > 0) throw new Error(`${left} ${what} after being terminated`);
  return { atStart, atTimeout, terminated: rows[0]?.n ?? 0 };
}

async function waitForPreFreezeWork(context: MigrationContext, evidence: BarrierEvidence): Promise<void> {
  const freezeAtProxy = context.marks.freezeAtProxyClock;
  if (freezeAtProxy === undefined) throw new Error('connstring freeze barrier without the freeze instant');
  const started = performance.now();
  const timeout = context.config.migration.barrierTimeoutMillis;
  // Work held up by the freeze's reconnection storm is waited for as long as the load waits for it.
  const graceMillis = Math.max(timeout, context.inFlightGraceMillis ?? 0);
  await onNode(context, 'proxy', context.config.topology.proxyDatabase, async (c) => {
    const proxy = await endOrTerminate(
      c,
      preFreezeProxyWork,
      [freezeAtProxy],
      started + graceMillis,
      graceMillis,
      'proxy transactions begun before the freeze are still running',
    );
    evidence.waitLimitMillis = graceMillis;
    evidence.proxyTransactionsBeforeFreezeAtTimeout = proxy.atTimeout;
    if (proxy.atTimeout > 0) evidence.proxyBackendsTerminated = proxy.terminated;
    evidence.proxyWaitMillis = Math.round(performance.now() - started);
  });
  await onNode(context, 'old', 'postgres', async (c) => {
    const { rows: now } = await c.query<{ at: string }>('select clock_timestamp()::text at');
    const stepOneEnded = now[0]?.at;
    const old = await endOrTerminate(
      c,
      earlierWorkOnOld,
      [context.database, stepOneEnded],
      performance.now() + graceMillis,
      graceMillis,
      'sessions on old are still writing',
    );
    evidence.waitedMillis = Math.round(performance.now() - started);
    evidence.inFlightOnOld = old.atStart;
    evidence.inFlightAtTimeout = old.atTimeout;
    evidence.terminatedSessions = old.terminated;
  });
}

export const barrier: Phase<MigrationContext, 'freeze barrier'> = {
  name: 'freeze barrier',
  run: freezeBarrier,
};
