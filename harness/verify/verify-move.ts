import { type MigrationContext, onNode } from '../migrate/migration-context.ts';
import { partitionHome } from '../migrate/partition-target.ts';
import { databaseStates } from '../schema/ownership.ts';
import { compareTables, type ParityTable } from './parity.ts';

export interface MoveCheck {
  readonly name: 'routing' | 'read through the proxy' | 'parity with old';
  readonly passed: boolean;
  readonly summary: string;
  readonly evidence: Record<string, unknown>;
}

/** The checks that need no load: where the proxy sends the partition, a read through it, and parity while old exists. */
export async function verifyMove(context: MigrationContext): Promise<MoveCheck[]> {
  const { config, partition } = context;
  const proxyDb = config.topology.proxyDatabase;
  const where = await partitionHome(context);
  const routing: MoveCheck = {
    name: 'routing',
    passed: where.home === 'new' && !where.readOnly,
    summary: `p${partition} goes to ${where.home}${where.readOnly ? ', frozen read-only' : ', read-write'}`,
    evidence: { home: where.home, readOnly: where.readOnly },
  };
  // A user id of the partition: pgbench's range starts at 1, and id & (n-1) picks the partition.
  const userid = partition === 0 ? config.topology.partitions : partition;
  const read = await onNode(context, 'proxy', proxyDb, async (c) => {
    const { rows } = await c.query<{ dbid: number | null }>('select dbid from query_pk($1)', [userid]);
    return { dbid: rows[0]?.dbid ?? null };
  });
  const readCheck: MoveCheck = {
    name: 'read through the proxy',
    passed: read.dbid === partition,
    summary: `query_pk(${userid}) through the proxy answered from dbid ${read.dbid ?? 'nothing'}`,
    evidence: { userid, dbid: read.dbid },
  };
  const parity = await parityWithOld(context, ['userinfo', 'session', 'tbl_small', 'login_log']);
  return [routing, readCheck, parity];
}

/** Old's copy against new's, while old's still exists; fails when new has none. */
export async function parityWithOld(
  context: MigrationContext,
  tables: readonly ParityTable[],
): Promise<MoveCheck> {
  const { database } = context;
  const exists = (role: 'old' | 'new') =>
    onNode(
      context,
      role,
      'postgres',
      async (c) => (await databaseStates(c, [database])).get(database)?.exists,
    );
  const [oldExists, newExists] = [await exists('old'), await exists('new')];
  if (!newExists) {
    return {
      name: 'parity with old',
      passed: false,
      summary: `${database} does not exist on new: nothing was moved`,
      evidence: { oldExists, newExists },
    };
  }
  if (!oldExists) {
    return {
      name: 'parity with old',
      passed: true,
      summary: `${database} no longer exists on old (dropped after an earlier verification)`,
      evidence: { oldExists },
    };
  }
  const report = await onNode(context, 'old', database, (oldDb) =>
    onNode(context, 'new', database, (newDb) => compareTables(oldDb, newDb, tables)),
  );
  return {
    name: 'parity with old',
    passed: report.passed,
    summary: report.passed
      ? 'old and new hold the same rows'
      : `differ: ${report.tables
          .filter((t) => t.mismatchedRanges.length)
          .map((t) => `${t.table} (old ${t.oldRows}, new ${t.newRows} rows)`)
          .join(', ')}`,
    evidence: { report },
  };
}
