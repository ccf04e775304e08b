import { type MigrationContext, onNode } from '../migrate/migration-context.ts';
import { partitionHome } from '../migrate/partition-target.ts';
import { compareTables } from '../verify/parity.ts';

export interface MoveCheck {
  readonly name: 'routing' | 'read through the proxy' | 'parity with old';
  readonly passed: boolean;
  readonly summary: string;
  readonly evidence: Record<string, unknown>;
}

/** The checks that need no load: where the proxy sends the partition, a read through it, and parity while old exists. */
export async function verifyMove(context: MigrationContext): Promise<MoveCheck[]> {
  const { config, nodes, partition, database } = context;
  const proxyDb = config.topology.proxyDatabase;
  const where = await onNode(context, 'proxy', proxyDb, (c) =>
    partitionHome(c, config.topology.clusterName, partition, nodes),
  );
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
    const app = await c.query<{ app: string | null }>(`select current_setting('application_name') app`);
    return { dbid: rows[0]?.dbid ?? null, app: app.rows[0]?.app };
  });
  const readCheck: MoveCheck = {
    name: 'read through the proxy',
    passed: read.dbid === partition,
    summary: `query_pk(${userid}) through the proxy answered from dbid ${read.dbid ?? 'nothing'}`,
    evidence: { userid, dbid: read.dbid },
  };
  const exists = (role: 'old' | 'new') =>
    onNode(context, role, 'postgres', async (c) =>
      Boolean((await c.query('select 1 from pg_database where datname = $1', [database])).rowCount),
    );
  const [oldExists, newExists] = [await exists('old'), await exists('new')];
  let parity: MoveCheck;
  if (!newExists) {
    parity = {
      name: 'parity with old',
      passed: false,
      summary: `${database} does not exist on new: nothing was moved`,
      evidence: { oldExists, newExists },
    };
  } else if (!oldExists) {
    parity = {
      name: 'parity with old',
      passed: true,
      summary: `${database} no longer exists on old (dropped after an earlier verification)`,
      evidence: { oldExists },
    };
  } else {
    const report = await onNode(context, 'old', database, (oldDb) =>
      onNode(context, 'new', database, (newDb) =>
        compareTables(oldDb, newDb, ['userinfo', 'session', 'tbl_small', 'login_log']),
      ),
    );
    parity = {
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
  return [routing, readCheck, parity];
}
