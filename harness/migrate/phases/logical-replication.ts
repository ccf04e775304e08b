import type pg from 'pg';
import { formatConninfo, tlsConninfo } from '../../config/dsn.ts';
import { onNode, unpinConnections } from '../../db/node-session.ts';
import { databaseStates } from '../../db/ownership.ts';
import { runSqlFile, sqlFile } from '../../schema/sql-files.ts';
import { waitFor } from '../../util/poll.ts';
import type { MigrationContext } from '../migration-context.ts';
import type { PhaseEvidence } from '../phase-evidence.ts';
import type { Phase } from '../phase-result.ts';
import { replicationName } from '../replication-name.ts';
import { createShardOnNew, dropCopyOnNew } from './prepare-new.ts';
import { buildKeys, createTables } from './stream-copy.ts';

const logicalFile = (prefix: string) => sqlFile('migrate-logical', prefix);

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
async function dropReplication(
  context: MigrationContext,
  evidence: PhaseEvidence['drop replication'],
): Promise<void> {
  await unpinConnections(context);
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

/** The undo of publish and subscribe (and a step of recover): every replication object this migration made. */
export const dropReplicationPhase: Phase<MigrationContext, 'drop replication'> = {
  name: 'drop replication',
  run: dropReplication,
};

export const prepareNewForLogical: Phase<MigrationContext, 'prepare new'> = {
  name: 'prepare new',
  undo: dropCopyOnNew,
  async run(context) {
    await createShardOnNew(context);
    // Keys before the copy: the subscription's apply finds rows by primary key.
    await createTables.run(context, {});
    await buildKeys.run(context, {});
  },
};

export const publish: Phase<MigrationContext, 'publish'> = {
  name: 'publish',
  undo: dropReplicationPhase,
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

export const subscribe: Phase<MigrationContext, 'subscribe'> = {
  name: 'subscribe',
  undo: dropReplicationPhase,
  async run(context, evidence) {
    const old = context.nodes.old;
    // No password here: new's postmaster has a pgpass file, as every node shardmove starts.
    const conninfo = formatConninfo([
      ['host', old.peerHost],
      ['port', old.peerPort],
      ['dbname', context.database],
      ['user', old.endpoint.user],
      ['application_name', replicationName(context)],
      ...tlsConninfo(old.endpoint),
    ]);
    const name = replicationName(context);
    await onNode(context, 'new', context.database, (c) =>
      c.query(`create subscription ${name} connection ${c.escapeLiteral(conninfo)} publication ${name}`),
    );
    evidence.source = `${old.peerHost}:${old.peerPort}/${context.database}`;
  },
};

export const initialSync: Phase<MigrationContext, 'initial sync'> = {
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
