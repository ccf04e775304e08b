import { onNode, pinConnections, takePinned, unpinConnections } from '../../db/node-session.ts';
import { withinDeadline } from '../../util/deadline.ts';
import { waitFor } from '../../util/poll.ts';
import type { MigrationContext } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';
import { dropReplicationPhase } from './logical-replication.ts';
import { compareOldWithNew } from './parity.ts';
import { switchToNew } from './switch.ts';

/** The pinned session that exports new's snapshot at the switch, apart from the one phases query new with. */
const snapshotSession = 'snapshot';

export const openConnections: Phase<MigrationContext, 'open connections'> = {
  name: 'open connections',
  async run(context, evidence) {
    const db = context.database;
    await pinConnections(context, [
      ['proxy', context.config.topology.proxyDatabase],
      ['old', 'postgres'],
      ['old', db],
      ['new', db],
    ]);
    // The snapshot of new at the switch comes from a connection of its own, opened now too:
    // inside the freeze a connection setup is write outage.
    await pinConnections(context, [['new', db]], snapshotSession);
    evidence.pinned = [...(context.pinned?.keys() ?? [])];
  },
};

/**
 * Writes a marker row on old and waits for it on new: everything old committed before it
 * has then been applied on new (transactions are applied in commit order). `within`: a
 * held switch's deadline, what is left of it; past it the phase fails even when new does
 * not answer at all (a paused node), so that the hold can give up.
 */
export function catchUpPhase<N extends 'warm catch-up' | 'catch-up'>(
  name: N,
  marker: string,
  within?: (context: MigrationContext) => number,
): Phase<MigrationContext, N> {
  return {
    name,
    async run(context, evidence) {
      const left = within?.(context);
      if (left !== undefined) evidence.deadlineLeftMillis = Math.round(left);
      const timeout = left ?? context.config.migration.barrierTimeoutMillis * 4;
      const id = `${context.runId}:${marker}`;
      const caughtUp = (async () => {
        evidence.markerLsn = await onNode(context, 'old', context.database, async (c) => {
          const { rows } = await c.query<{ lsn: string }>(
            'insert into shardmove.catchup_marker (run_id) values ($1) returning pg_current_wal_lsn()::text lsn',
            [id],
          );
          return rows[0]?.lsn;
        });
        return onNode(context, 'new', context.database, (c) =>
          waitFor(
            name,
            async () =>
              (await c.query('select 1 from shardmove.catchup_marker where run_id = $1', [id])).rowCount ===
              1,
            timeout,
            5,
          ),
        );
      })();
      evidence.waitedMillis =
        left === undefined
          ? await caughtUp
          : await withinDeadline(
              caughtUp,
              left,
              `the hold's deadline (${context.config.migration.holdDeadlineMillis} ms) passed before new caught up: giving up, the calls resume on old`,
            );
    },
  };
}

export const switchWithSnapshot: Phase<MigrationContext, 'switch'> = {
  name: 'switch',
  async run(context, evidence) {
    // new as it is at the switch, for the parity check after it: old is frozen and caught
    // up, so this snapshot of new must equal old. Held open until parity has read it.
    const client = takePinned(context, 'new', context.database, snapshotSession);
    const close = async () => {
      await client.query('rollback').catch(() => {});
      await client.end().catch(() => {});
    };
    try {
      await client.query('begin isolation level repeatable read');
      const { rows } = await client.query<{ id: string }>('select pg_export_snapshot() id');
      context.heldSnapshot = { id: rows[0]?.id ?? '', close };
    } catch (error) {
      await close();
      throw error;
    }
    await switchToNew.run(context, evidence);
  },
};

export const detach: Phase<MigrationContext, 'detach'> = {
  name: 'detach',
  async run(context) {
    // Old is frozen and new caught up: the subscription has nothing left to do.
    await unpinConnections(context);
    await dropReplicationPhase.run(context, {});
  },
};

export const parityAtSwitch: Phase<MigrationContext, 'parity'> = {
  name: 'parity',
  async run(context, evidence) {
    const held = context.heldSnapshot;
    if (!held) throw new Error('no snapshot of new from the switch');
    try {
      evidence.comparedNewAt = 'the switch (exported snapshot)';
      // After the switch: no write waits for it, so it leaves the load a core.
      await compareOldWithNew(
        context,
        evidence,
        async (newDb, compare) => {
          await newDb.query('begin isolation level repeatable read');
          await newDb.query(`set transaction snapshot ${newDb.escapeLiteral(held.id)}`);
          try {
            return await compare();
          } finally {
            await newDb.query('commit');
          }
        },
        'gentle',
      );
    } finally {
      context.heldSnapshot = undefined;
      await held.close();
    }
  },
};
