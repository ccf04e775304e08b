import { onNode } from '../../db/node-session.ts';
import { go, noGo, type ReadinessInput, type ReadinessItem } from '../readiness.ts';

/** The move's own sessions on new: the copy, parity, and the connections pinned for the freeze. */
const harnessSessions = 4;

/**
 * After the switch, every proxy backend (or pooler connection) now on old's shard opens one
 * to new: new must have room for them beside what it serves already, or calls to the moved
 * partition fail with "too many clients" the moment they arrive.
 */
export async function connectionCapacity(input: ReadinessInput): Promise<ReadinessItem> {
  const cause = 'connections on new';
  const onOldShard = await onNode(input.sessions, 'old', 'postgres', async (c) => {
    const { rows } = await c.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
        where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'`,
      [input.database],
    );
    return rows[0]?.n ?? 0;
  });
  const fresh = await onNode(input.sessions, 'new', 'postgres', async (c) => {
    const { rows } = await c.query<{ max: number; reserved: number; used: number }>(
      `select current_setting('max_connections')::int as max,
              current_setting('superuser_reserved_connections')::int as reserved,
              (select count(*) from pg_stat_activity where backend_type = 'client backend')::int as used`,
    );
    return rows[0] ?? { max: 0, reserved: 0, used: 0 };
  });
  const needed = onOldShard + input.expectedProxyBackends + harnessSessions;
  const free = fresh.max - fresh.reserved - fresh.used;
  const detail = `new: ${free} free of max_connections ${fresh.max} (${fresh.used} in use, ${fresh.reserved} reserved); needed ${needed} (${onOldShard} on old ${input.database} now, ${input.expectedProxyBackends} more expected, ${harnessSessions} the move's own)`;
  return free < needed
    ? noGo(cause, detail, [`new: max_connections ${fresh.max} leaves ${free} free, ${needed} needed`])
    : go(cause, detail);
}
