import { onNode } from '../../db/node-session.ts';
import { createOwnedDatabase, databaseStates, dropDatabase } from '../../db/ownership.ts';
import { runSqlFile, sqlFiles } from '../../schema/sql-files.ts';
import { runUserSqlFile, schemaVars } from '../../schema/user-sql-file.ts';
import type { MigrationContext } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';

/**
 * Drops new's copy, only the one this migration created: anything else on new (old's own
 * shard, when the two turn out to be one server; another migration's copy) is not ours.
 */
export const dropCopyOnNew: Phase<MigrationContext, 'drop the copy on new'> = {
  name: 'drop the copy on new',
  async run(context, evidence) {
    await onNode(context, 'new', 'postgres', async (c) => {
      const state = (await databaseStates(c, [context.database])).get(context.database);
      if (state?.exists && state.ownedBy === context.runId && state.migration === context.migrationId) {
        await dropDatabase(c, context.database);
        evidence.dropped = true;
      } else evidence.dropped = false;
    });
  },
};

/**
 * The shard's database on new, owned by this run: schema, an empty login_log and the
 * functions, from the data nodes' own files (the seeded tables are each strategy's business).
 */
export async function createShardOnNew(context: MigrationContext): Promise<void> {
  const db = context.database;
  await onNode(context, 'new', 'postgres', async (c) => {
    const state = (await databaseStates(c, [db])).get(db);
    if (state?.exists) throw new Error(`${db} already exists on new; refusing to overwrite it`);
    await createOwnedDatabase(c, db, context.runId, undefined, context.migrationId);
  });
  await onNode(context, 'new', db, async (c) => {
    const dataNode = (await sqlFiles('data-node')).filter((f) => !f.name.endsWith('_tables.sql'));
    for (const file of dataNode) await runSqlFile(c, file, { shard: context.partition });
    // The case's own tables and functions, empty: its steps fill them.
    for (const file of context.config.schema.dataNode)
      await runUserSqlFile(c, file, schemaVars(context.config, context.partition, db), `schema new/${db}`);
  });
}

/** new's copy, and a foreign server on it that reads old's shard (the article's FDW). */
export const prepareNew: Phase<MigrationContext, 'prepare new'> = {
  name: 'prepare new',
  undo: dropCopyOnNew,
  async run(context, evidence) {
    const db = context.database;
    await createShardOnNew(context);
    const old = context.nodes.old;
    await onNode(context, 'new', db, async (c) => {
      const vars = { shard: context.partition };
      const [fdw, helpers, foreignTables] = await sqlFiles('migrate-prepare');
      if (!fdw || !helpers || !foreignTables) throw new Error('fixtures/sql/migrate-prepare is incomplete');
      await runSqlFile(c, fdw, vars);
      await runSqlFile(c, helpers, vars);
      await c.query('select pg_temp.shardmove_create_fdw($1, $2, $3, $4, $5, $6, $7)', [
        old.peerHost,
        old.peerPort,
        db,
        old.endpoint.user,
        old.endpoint.password?.reveal() ?? null,
        old.endpoint.tls?.sslmode ?? null,
        old.endpoint.tls?.sslrootcert ?? null,
      ]);
      await runSqlFile(c, foreignTables, vars);
    });
    evidence.fdwTarget = `${old.peerHost}:${old.peerPort}/${db}`;
  },
};
