import type pg from 'pg';
import { formatConninfo } from '../config/dsn.ts';
import { connect } from '../db/connect.ts';
import { onNode, pinConnections, unpinConnections } from '../db/node-session.ts';
import { databaseStates } from '../db/ownership.ts';
import { runSqlFile, sqlFiles } from '../schema/sql-files.ts';
import { buildKeys, createTables } from './copy-strategy.ts';
import { freeze } from './freeze.ts';
import type { MigrationContext } from './migration-context.ts';
import type { Evidence, Phase } from './phase-result.ts';
import { pollUntil } from './poll.ts';
import { replicationName } from './replication-name.ts';
import { barrier, compareOldWithNew, createShardOnNew, switchToNew } from './seed-strategy.ts';

type LogicalPhase = Phase<MigrationContext>;

/** The connection that exports new's snapshot at the switch, opened before the freeze. */
const snapshotClient = new WeakMap<MigrationContext, pg.Client>();

async function logicalFile(prefix: string) {
  const file = (await sqlFiles('migrate-logical')).find((f) =>
    f.name.startsWith(`migrate-logical/${prefix}`),
  );
  if (!file) throw new Error(`no migrate-logical/${prefix}* file`);
  return file;
}

/** Polls until check() is true, or throws after timeoutMillis. Returns the milliseconds waited. */
async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMillis: number,
  intervalMillis: number,
): Promise<number> {
  const started = performance.now();
  const { done } = await pollUntil(check, (ok) => ok, started + timeoutMillis, intervalMillis);
  if (!done) throw new Error(`${what}: not done after ${timeoutMillis} ms`);
  return Math.round(performance.now() - started);
}

const prepare: LogicalPhase = {
  name: 'prepare new',
  async run(context) {
    await createShardOnNew(context);
    // Keys before the copy: the subscription's apply finds rows by primary key.
    await createTables.run(context, {});
    await buildKeys.run(context, {});
  },
};

const publish: LogicalPhase = {
  name: 'publish',
  async run(context, evidence) {
    const marker = await logicalFile('001');
    const vars = { name: replicationName(context) };
    await onNode(context, 'new', context.database, (c) => runSqlFile(c, marker, vars));
    await onNode(context, 'old', context.database, async (c) => {
      await runSqlFile(c, marker, vars);
      await runSqlFile(c, await logicalFile('002'), vars);
      if (context.config.migration.logs === 'migrate') await runSqlFile(c, await logicalFile('003'), vars);
      const { rows } = await c.query<{ t: string }>(
        `select schemaname || '.' || tablename t from pg_publication_tables where pubname = $1 order by 1`,
        [replicationName(context)],
      );
      evidence.tables = rows.map((r) => r.t);
    });
  },
};

const subscribe: LogicalPhase = {
  name: 'subscribe',
  async run(context, evidence) {
    const old = context.nodes.old;
    // No password here: new's postmaster has a pgpass file, as every node shardmove starts.
    const conninfo = formatConninfo([
      ['host', old.peerHost],
      ['port', old.peerPort],
      ['dbname', context.database],
      ['user', old.endpoint.user],
      ['application_name', replicationName(context)],
    ]);
    const name = replicationName(context);
    await onNode(context, 'new', context.database, (c) =>
      c.query(`create subscription ${name} connection ${c.escapeLiteral(conninfo)} publication ${name}`),
    );
    evidence.source = `${old.peerHost}:${old.peerPort}/${context.database}`;
  },
};

const initialSync: LogicalPhase = {
  name: 'initial sync',
  async run(context, evidence) {
    // Every table copied and its apply caught up to the copy: state 'r' (ready).
    evidence.waitedMillis = await onNode(context, 'new', context.database, (c) =>
      waitFor(
        'initial sync',
        async () => {
          const { rows } = await c.query<{ pending: number }>(
            `select count(*) filter (where srsubstate <> 'r')::int pending from pg_subscription_rel r
               join pg_subscription s on s.oid = r.srsubid where s.subname = $1`,
            [replicationName(context)],
          );
          return rows[0]?.pending === 0;
        },
        3_600_000,
        200,
      ),
    );
  },
};

const pin: LogicalPhase = {
  name: 'open connections',
  async run(context, evidence) {
    const db = context.database;
    await pinConnections(context, [
      ['proxy', context.config.topology.proxyDatabase],
      ['old', 'postgres'],
      ['old', db],
      ['new', db],
    ]);
    // The snapshot of new at the switch comes from a connection of its own, opened now too.
    const node = context.nodes.new;
    snapshotClient.set(context, await connect({ ...node.endpoint, database: db }, db, context.config));
    evidence.pinned = [...(context.pinned?.keys() ?? [])];
  },
};

/**
 * Writes a marker row on old and waits for it on new: everything old committed before it
 * has then been applied on new (transactions are applied in commit order).
 */
function catchUpPhase(name: string, marker: string): LogicalPhase {
  return {
    name,
    async run(context, evidence) {
      const id = `${context.runId}:${marker}`;
      evidence.markerLsn = await onNode(context, 'old', context.database, async (c) => {
        const { rows } = await c.query<{ lsn: string }>(
          'insert into shardmove.catchup_marker (run_id) values ($1) returning pg_current_wal_lsn()::text lsn',
          [id],
        );
        return rows[0]?.lsn;
      });
      evidence.waitedMillis = await onNode(context, 'new', context.database, (c) =>
        waitFor(
          name,
          async () =>
            (await c.query('select 1 from shardmove.catchup_marker where run_id = $1', [id])).rowCount === 1,
          context.config.migration.barrierTimeoutMillis * 4,
          5,
        ),
      );
    },
  };
}

const switchWithSnapshot: LogicalPhase = {
  name: 'switch',
  async run(context, evidence) {
    // new as it is at the switch, for the parity check after it: old is frozen and caught
    // up, so this snapshot of new must equal old. Held open until parity has read it.
    const node = context.nodes.new;
    const client = await connect(
      { ...node.endpoint, database: context.database },
      context.database,
      context.config,
    );
    await client.query('begin isolation level repeatable read');
    const { rows } = await client.query<{ id: string }>('select pg_export_snapshot() id');
    context.heldSnapshot = {
      id: rows[0]?.id ?? '',
      close: async () => {
        await client.query('rollback').catch(() => {});
        await client.end().catch(() => {});
      },
    };
    await switchToNew.run(context, evidence);
  },
};

const detach: LogicalPhase = {
  name: 'detach',
  async run(context) {
    // Old is frozen and new caught up: the subscription has nothing left to do.
    await unpinConnections(context);
    await dropReplication(context, {});
  },
};

const parityAtSwitch: LogicalPhase = {
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

/**
 * The marker schema, only when this migration created it (its comment names the migration),
 * and without CASCADE: an object someone else put in it stops the drop instead of going with it.
 */
async function dropMarkerSchema(c: pg.Client, name: string): Promise<boolean> {
  const { rowCount } = await c.query(
    `select 1 from pg_namespace where nspname = 'shardmove' and obj_description(oid, 'pg_namespace') = $1`,
    [markerComment(name)],
  );
  if (!rowCount) return false;
  await c.query('drop table if exists shardmove.catchup_marker');
  await c.query('drop schema shardmove');
  return true;
}

const markerComment = (name: string) => `created by shardmove for ${name}`;

/**
 * Removes the subscription (and with it the slot on old), the publication and the marker
 * schema, wherever they exist. Safe to run at any point: it is also a rollback step.
 */
export async function dropReplication(context: MigrationContext, evidence: Evidence): Promise<void> {
  await unpinConnections(context);
  await snapshotClient
    .get(context)
    ?.end()
    .catch(() => {});
  snapshotClient.delete(context);
  const dropped: string[] = [];
  const name = replicationName(context);
  await onNode(context, 'new', 'postgres', async (c) => {
    if (!(await databaseStates(c, [context.database])).get(context.database)?.exists) return;
    await onNode(context, 'new', context.database, async (db) => {
      const sub = await db.query('select 1 from pg_subscription where subname = $1', [name]);
      if (sub.rowCount) {
        await db.query(`drop subscription ${name}`);
        dropped.push('subscription on new');
      }
      if (await dropMarkerSchema(db, name)) dropped.push('marker schema on new');
    });
  });
  await onNode(context, 'old', context.database, async (c) => {
    // A subscription dropped without reaching old leaves its slot behind.
    const slots = await c.query<{ n: number }>(
      `select count(pg_drop_replication_slot(slot_name))::int n from pg_replication_slots
        where slot_name = $1 and not active`,
      [name],
    );
    if (slots.rows[0]?.n) dropped.push('slot on old');
    const pub = await c.query('select 1 from pg_publication where pubname = $1', [name]);
    if (pub.rowCount) {
      await c.query(`drop publication ${name}`);
      dropped.push('publication on old');
    }
    if (await dropMarkerSchema(c, name)) dropped.push('marker schema on old');
  });
  evidence.dropped = dropped;
}

/**
 * Logical replication: new copies old's tables online and follows its changes while the
 * load goes on; the freeze lasts only for the barrier and the final catch-up (a marker row
 * written on old after the barrier arriving on new), then the switch. Parity compares old
 * with new as it was at the switch, after the freeze is over.
 */
export const logicalStrategyPhases: readonly LogicalPhase[] = [
  prepare,
  publish,
  subscribe,
  initialSync,
  pin,
  // Right before the freeze, so that only the writes of the last moments are left to apply in it.
  catchUpPhase('warm catch-up', 'before-freeze'),
  freeze,
  barrier,
  catchUpPhase('catch-up', 'in-freeze'),
  switchWithSnapshot,
  detach,
  parityAtSwitch,
];
