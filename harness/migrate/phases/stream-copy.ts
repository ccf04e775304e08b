import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { movedTables, shardTables } from '../../config/topology-layout.ts';
import { onNode } from '../../db/node-session.ts';
import { renderSql, runSqlFile, sqlFiles, statements } from '../../schema/sql-files.ts';
import { mapLimit } from '../../util/map-limit.ts';
import type { MigrationContext } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';

/** The copy kind that streams: empty tables on new, every table piped old -> new with binary COPY, keys built after. */

function tablesToCopy(context: MigrationContext): string[] {
  return movedTables(context.config.migration.logs);
}

/** Streams one table old -> new: COPY TO STDOUT piped into COPY FROM STDIN, binary. */
async function streamTable(context: MigrationContext, table: string): Promise<number> {
  return onNode(context, 'old', context.database, (source) =>
    onNode(context, 'new', context.database, async (sink) => {
      await sink.query('set synchronous_commit = off');
      const out = source.query(copyTo(`COPY digoal.${table} TO STDOUT (FORMAT binary)`));
      const into = sink.query(copyFrom(`COPY digoal.${table} FROM STDIN (FORMAT binary)`));
      await pipeline(out, into);
      return Number(into.rowCount ?? 0);
    }),
  );
}

export const createTables: Phase<MigrationContext, 'create tables'> = {
  name: 'create tables',
  async run(context) {
    const tables = (await sqlFiles('data-node')).find((f) => f.name.endsWith('_tables.sql'));
    if (!tables) throw new Error('fixtures/sql/data-node has no tables file');
    await onNode(context, 'new', context.database, (c) =>
      runSqlFile(c, tables, { shard: context.partition }),
    );
  },
};

export const streamCopy: Phase<MigrationContext, 'copy'> = {
  name: 'copy',
  async run(context, evidence) {
    const tables = tablesToCopy(context);
    const rows = await mapLimit(tables, tables.length, (t) => streamTable(context, t));
    evidence.rows = Object.fromEntries(tables.map((t, i) => [t, rows[i]]));
  },
};

export const buildKeys: Phase<MigrationContext, 'primary keys'> = {
  name: 'primary keys',
  async run(context) {
    // The data nodes' own key file, one statement (one table) per connection, all at once.
    const keys = (await sqlFiles('data-node-keys')).find((f) => f.name.endsWith('_primary_keys.sql'));
    if (!keys) throw new Error('fixtures/sql/data-node-keys has no primary keys file');
    const perTable = statements(renderSql(keys, { shard: context.partition }));
    await mapLimit(perTable, perTable.length, (statement) =>
      onNode(context, 'new', context.database, async (c) => {
        await c.query("set maintenance_work_mem = '256MB'");
        await c.query(statement);
      }),
    );
    await onNode(context, 'new', context.database, (c) =>
      c.query(`analyze ${shardTables.map((t) => `digoal.${t}`).join(', ')}`),
    );
  },
};
