import type pg from 'pg';
import { onNode } from '../../db/node-session.ts';
import {
  compareTables,
  type ParityPace,
  type ParityReport,
  shardTablesOf,
} from '../../parity/compare-tables.ts';
import type { MigrationContext } from '../migration-context.ts';
import type { ParityPhaseEvidence } from '../phase-evidence.ts';
import type { Phase } from '../phase-result.ts';
import { oldLoginLogRows } from './freeze-barrier.ts';

/**
 * Compares old (frozen) with new, records the report and how many writes old took after
 * the barrier, and fails on a difference. `readNew` may set new's connection up first (a
 * snapshot to read through) around the comparison.
 */
export async function compareOldWithNew(
  context: MigrationContext,
  evidence: ParityPhaseEvidence,
  readNew: (newDb: pg.Client, compare: () => Promise<ParityReport>) => Promise<ParityReport> = (_, compare) =>
    compare(),
  pace: ParityPace = 'fast',
): Promise<void> {
  evidence.pace = pace;
  const report = await onNode(context, 'old', context.database, (oldDb) =>
    onNode(context, 'new', context.database, (newDb) =>
      readNew(newDb, async () =>
        compareTables(oldDb, newDb, await shardTablesOf(oldDb, context.config.migration.logs), pace),
      ),
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

/** Inside the freeze, before the switch: old and new read as they are, both at once. */
export const parity: Phase<MigrationContext, 'parity'> = {
  name: 'parity',
  run: (context, evidence) => compareOldWithNew(context, evidence),
};
