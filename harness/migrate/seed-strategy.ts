import type pg from 'pg';
import { onNode } from '../db/node-session.ts';
import { createOwnedDatabase, databaseStates } from '../db/ownership.ts';
import {
  compareTables,
  type ParityPace,
  type ParityReport,
  type ParityTable,
} from '../parity/compare-tables.ts';
import { runSqlFile, runSqlFolder, sqlFiles } from '../schema/sql-files.ts';
import { epochNow } from '../util/epoch-clock.ts';
import { freeze } from './freeze.ts';
import { freezeBarrier, oldLoginLogRows } from './freeze-barrier.ts';
import type { MigrationContext } from './migration-context.ts';
import { routePartition } from './partition-target.ts';
import type { Evidence, Phase } from './phase-result.ts';

type SeedPhase = Phase<MigrationContext>;

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
  });
}

export const prepareNew: SeedPhase = {
  name: 'prepare new',
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
      await c.query('select pg_temp.shardmove_create_fdw($1, $2, $3, $4, $5)', [
        old.peerHost,
        old.peerPort,
        db,
        old.endpoint.user,
        old.endpoint.password?.reveal() ?? null,
      ]);
      await runSqlFile(c, foreignTables, vars);
    });
    evidence.fdwTarget = `${old.peerHost}:${old.peerPort}/${db}`;
  },
};

/** A phase that runs one numbered file of migrate-seed/ on new's copy of the shard. */
export function seedPhase(name: string, prefix: string): SeedPhase {
  return { name, run: (context) => seedFolder(context, prefix) };
}

const seedFolder = async (context: MigrationContext, prefix: string) => {
  const file = (await sqlFiles('migrate-seed')).find((f) => f.name.startsWith(`migrate-seed/${prefix}`));
  if (!file) throw new Error(`no migrate-seed/${prefix}* file`);
  await onNode(context, 'new', context.database, (c) => runSqlFile(c, file, { shard: context.partition }));
};

export const barrier: SeedPhase = { name: 'freeze barrier', run: freezeBarrier };

export async function copyLogs(context: MigrationContext, evidence: Record<string, unknown>): Promise<void> {
  if (context.config.migration.logs !== 'migrate') {
    evidence.loginLog = 'left on old (the article: log data is not migrated)';
    return;
  }
  await onNode(context, 'new', context.database, (c) =>
    runSqlFolder(c, 'migrate-logs', { shard: context.partition }),
  );
  evidence.loginLog = 'copied';
}

export function parityTables(context: MigrationContext): ParityTable[] {
  return context.config.migration.logs === 'migrate'
    ? ['userinfo', 'session', 'tbl_small', 'login_log']
    : ['userinfo', 'session', 'tbl_small'];
}

/**
 * Compares old (frozen) with new, records the report and how many writes old took after
 * the barrier, and fails on a difference. `readNew` may set new's connection up first (a
 * snapshot to read through) around the comparison.
 */
export async function compareOldWithNew(
  context: MigrationContext,
  evidence: Evidence,
  readNew: (newDb: pg.Client, compare: () => Promise<ParityReport>) => Promise<ParityReport> = (_, compare) =>
    compare(),
  pace: ParityPace = 'fast',
): Promise<void> {
  evidence.pace = pace;
  const report = await onNode(context, 'old', context.database, (oldDb) =>
    onNode(context, 'new', context.database, (newDb) =>
      readNew(newDb, () => compareTables(oldDb, newDb, parityTables(context), pace)),
    ),
  );
  // Writes that reached old after the barrier would be missing from the copy.
  const oldRows = await oldLoginLogRows(context);
  evidence.report = report;
  evidence.oldWritesAfterBarrier = oldRows - (context.marks.oldLogRowsAtBarrier ?? oldRows);
  if (!report.passed)
    throw new Error(
      `parity failed: ${report.tables
        .filter((t) => t.mismatchedRanges.length)
        .map((t) => t.table)
        .join(', ')} differ`,
    );
}

export const parity: SeedPhase = {
  name: 'parity',
  run: (context, evidence) => compareOldWithNew(context, evidence),
};

export const switchToNew: SeedPhase = {
  name: 'switch',
  async run(context, evidence) {
    // Counted again right before routing: parity may have been a while ago (logical's comes
    // after the switch), and a write old took since would stay behind on old.
    const atBarrier = context.marks.oldLogRowsAtBarrier;
    if (atBarrier !== undefined) {
      const slipped = (await oldLoginLogRows(context)) - atBarrier;
      evidence.oldWritesAfterBarrier = slipped;
      if (slipped !== 0)
        throw new Error(`old's login_log took ${slipped} writes after the freeze barrier: not switching`);
    }
    await routePartition(context, 'new', evidence);
    context.marks.switchAt = epochNow();
  },
};

/**
 * After the switch new's copy no longer reads old: the foreign server and the user mapping
 * that holds old's password go, so the password does not stay in new's catalog.
 */
export const dropFdw: SeedPhase = {
  name: 'drop fdw',
  async run(context, evidence) {
    await onNode(context, 'new', context.database, (c) => runSqlFolder(c, 'migrate-cleanup', {}));
    evidence.dropped = 'shardmove_old: foreign tables, user mapping, server';
  },
};

/** The article's procedure (SPEC.md, part 4), with the freeze barrier, the switch to the new host, and the log policy. */
export const seedStrategyPhases: readonly SeedPhase[] = [
  prepareNew,
  seedPhase('pre-copy', '010'),
  freeze,
  barrier,
  seedPhase('refresh', '020'),
  {
    name: 'copy',
    async run(context, evidence) {
      await seedFolder(context, '030');
      await copyLogs(context, evidence);
    },
  },
  seedPhase('vacuum analyze', '040'),
  parity,
  switchToNew,
  dropFdw,
];
