import { type NodeSessions, onNode } from '../db/node-session.ts';
import { databaseStates } from '../db/ownership.ts';
import { compareTables, type ParityReport, type ParityTable } from './compare-tables.ts';

export interface ParityWithOld {
  readonly name: 'parity with old';
  readonly passed: boolean;
  readonly summary: string;
  readonly evidence: {
    oldExists?: boolean | undefined;
    newExists?: boolean | undefined;
    report?: ParityReport;
  };
}

/** Old's copy against new's, while old's still exists; fails when new has none. */
export async function parityWithOld(
  sessions: NodeSessions,
  database: string,
  tables: readonly ParityTable[],
): Promise<ParityWithOld> {
  const exists = (role: 'old' | 'new') =>
    onNode(
      sessions,
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
  const report = await onNode(sessions, 'old', database, (oldDb) =>
    onNode(sessions, 'new', database, (newDb) => compareTables(oldDb, newDb, tables)),
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
