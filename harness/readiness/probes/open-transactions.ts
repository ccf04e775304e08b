import { onNode } from '../../db/node-session.ts';
import { go, noGo, type ReadinessInput, type ReadinessItem, unknown } from '../readiness.ts';

/**
 * Sessions on old's shard idle in a transaction, or in one older than the limit: the
 * freeze takes a lock (or flips the database read-only) that waits on them, so the freeze
 * would last as long as they do.
 */
export async function openTransactions(input: ReadinessInput): Promise<ReadinessItem> {
  const cause = 'open transactions';
  const { rows } = await onNode(input.sessions, 'old', 'postgres', (c) =>
    c.query<{ pid: number; who: string; state: string | null; xact_ms: number | null }>(
      `select pid, coalesce(usename, '?') || coalesce(' (' || nullif(application_name, '') || ')', '') as who, state,
              (extract(epoch from clock_timestamp() - xact_start) * 1000)::int as xact_ms
         from pg_stat_activity
        where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'`,
      [input.database],
    ),
  );
  const hidden = rows.filter((r) => r.state === null);
  const blocking = rows.filter(
    (r) =>
      r.state !== null &&
      r.xact_ms !== null &&
      (r.state.startsWith('idle in transaction') || r.xact_ms > input.longTransactionMillis),
  );
  if (blocking.length) {
    return noGo(
      cause,
      `${blocking.length} session(s) on old ${input.database} hold a transaction the freeze would wait on`,
      blocking.map((r) => `pid ${r.pid} ${r.who}: ${r.state}, transaction open ${(r.xact_ms ?? 0) / 1000} s`),
    );
  }
  if (hidden.length) {
    return unknown(
      cause,
      `${hidden.length} session(s) on old ${input.database} belong to roles whose state this role cannot read (grant it pg_read_all_stats)`,
    );
  }
  return go(
    cause,
    `none of the ${rows.length} session(s) on old ${input.database} is idle in a transaction or in one over ${input.longTransactionMillis / 1000} s`,
  );
}
