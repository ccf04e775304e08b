import { onNode } from '../../db/node-session.ts';
import { go, noGo, type ReadinessInput, type ReadinessItem } from '../readiness.ts';

interface OldSide {
  wal_level: string;
  slots: number;
  slots_used: number;
  senders: number;
  senders_used: number;
  may_replicate: boolean;
}

interface NewSide {
  sync_workers: number;
  workers: number;
  workers_used: number;
  may_subscribe: boolean;
  version: number;
}

/**
 * The logical move takes one slot and one WAL sender on old for the subscription and, during
 * the initial sync, one more of each per table being synced at once (new's
 * max_sync_workers_per_subscription); on new, an apply worker and the sync workers. And the
 * privileges: REPLICATION on old's role, CREATE SUBSCRIPTION (superuser before PostgreSQL 16).
 */
export async function replicationCapacity(input: ReadinessInput): Promise<ReadinessItem> {
  const cause = 'replication capacity';
  if (input.strategy !== 'logical') return go(cause, `${input.strategy} does not replicate`);
  const old = await onNode(input.sessions, 'old', 'postgres', async (c) => {
    const { rows } = await c.query<OldSide>(
      `select current_setting('wal_level') as wal_level,
              current_setting('max_replication_slots')::int as slots,
              (select count(*) from pg_replication_slots)::int as slots_used,
              current_setting('max_wal_senders')::int as senders,
              (select count(*) from pg_stat_replication)::int as senders_used,
              (select rolreplication or rolsuper from pg_roles where rolname = current_user) as may_replicate`,
    );
    return rows[0] as OldSide;
  });
  const fresh = await onNode(input.sessions, 'new', 'postgres', async (c) => {
    // pg_create_subscription exists from PostgreSQL 16; asked by oid, its absence is no error.
    const { rows } = await c.query<NewSide>(
      `select current_setting('max_sync_workers_per_subscription')::int as sync_workers,
              current_setting('max_logical_replication_workers')::int as workers,
              (select count(*) from pg_stat_subscription where pid is not null)::int as workers_used,
              (select rolsuper from pg_roles where rolname = current_user)
                or exists (select 1 from pg_roles r where r.rolname = 'pg_create_subscription'
                             and pg_has_role(current_user, r.oid, 'member')) as may_subscribe,
              current_setting('server_version_num')::int as version`,
    );
    return rows[0] as NewSide;
  });
  const needed = 1 + Math.min(fresh.sync_workers, input.tables.length);
  const reasons: string[] = [];
  if (old.wal_level !== 'logical')
    reasons.push(`old: wal_level is ${old.wal_level}, logical needed (a restart)`);
  const freeSlots = old.slots - old.slots_used;
  if (freeSlots < needed)
    reasons.push(
      `old: ${freeSlots} free replication slot(s) of max_replication_slots ${old.slots}, ${needed} needed`,
    );
  const freeSenders = old.senders - old.senders_used;
  if (freeSenders < needed)
    reasons.push(
      `old: ${freeSenders} free WAL sender(s) of max_wal_senders ${old.senders}, ${needed} needed`,
    );
  if (!old.may_replicate) reasons.push("old: the harness's role has neither REPLICATION nor superuser");
  const freeWorkers = fresh.workers - fresh.workers_used;
  if (freeWorkers < needed)
    reasons.push(
      `new: ${freeWorkers} free logical replication worker(s) of ${fresh.workers}, ${needed} needed`,
    );
  if (!fresh.may_subscribe)
    reasons.push(
      `new: the harness's role may not CREATE SUBSCRIPTION (${fresh.version >= 160000 ? 'grant pg_create_subscription' : 'superuser only before PostgreSQL 16'})`,
    );
  return reasons.length
    ? noGo(
        cause,
        `the logical move needs ${needed} slot(s), WAL sender(s) and worker(s) and the privileges to use them`,
        reasons,
      )
    : go(
        cause,
        `old: ${freeSlots} free slot(s), ${freeSenders} free WAL sender(s); new: ${freeWorkers} free worker(s); ${needed} needed`,
      );
}
