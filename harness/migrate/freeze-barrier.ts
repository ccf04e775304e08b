import { type MigrationContext, onNode } from './migration-context.ts';
import type { Evidence } from './phase-result.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The freeze is soft: default_transaction_read_only applies to new connections, and each
 * proxy backend reloads the cluster lazily, on its next call. A call already running on
 * old at the ALTER still commits read-write. So wait until no session that predates the
 * freeze is inside a statement or transaction, then terminate those sessions (an idle one
 * would be dropped by its proxy backend's reload anyway), waiting at most the barrier
 * timeout before terminating the stragglers too. Afterwards nothing can write to old.
 */
export async function freezeBarrier(context: MigrationContext, evidence: Evidence): Promise<void> {
  const freezeAt = context.marks.freezeAt;
  if (freezeAt === undefined) throw new Error('freeze barrier before the freeze');
  const started = performance.now();
  await onNode(context, 'old', 'postgres', async (c) => {
    const predating = `datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'
                       and backend_start < to_timestamp($2::double precision / 1000)`;
    let busy = 0;
    for (;;) {
      const { rows } = await c.query<{ busy: number }>(
        `select count(*)::int busy from pg_stat_activity where ${predating} and (state <> 'idle' or xact_start is not null)`,
        [context.database, freezeAt],
      );
      busy = rows[0]?.busy ?? 0;
      if (busy === 0 || performance.now() - started > context.config.migration.barrierTimeoutMillis) break;
      await sleep(20);
    }
    const { rows } = await c.query<{ n: number }>(
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
