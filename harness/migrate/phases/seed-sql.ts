import { onNode } from '../../db/node-session.ts';
import { runSqlFile, runSqlFolder, type StatementDone, sqlFile } from '../../schema/sql-files.ts';
import type { MigrationContext } from '../migration-context.ts';
import type { PhaseEvidence, StatementTiming } from '../phase-evidence.ts';
import type { Phase } from '../phase-result.ts';

/** Runs one numbered file of migrate-seed/ on new's copy of the shard. */
export async function runSeedFile(
  context: MigrationContext,
  prefix: string,
  onStatement?: StatementDone,
): Promise<void> {
  const file = await sqlFile('migrate-seed', prefix);
  await onNode(context, 'new', context.database, (c) =>
    runSqlFile(c, file, { shard: context.partition }, onStatement),
  );
}

/**
 * A phase that runs one numbered file of migrate-seed/ on new's copy of the shard, a
 * statement at a time, each one's seconds recorded as it ends (a failed phase keeps those
 * that finished): the report can then say which table a refresh inside the freeze spent on.
 */
export function seedPhase<N extends 'pre-copy' | 'refresh' | 'vacuum analyze'>(
  name: N,
  prefix: string,
): Phase<MigrationContext, N> {
  return {
    name,
    async run(context, evidence) {
      const timings: StatementTiming[] = [];
      evidence.statements = timings;
      await runSeedFile(context, prefix, (statement, millis) =>
        timings.push({ statement, seconds: millis / 1000 }),
      );
    },
  };
}

/** login_log from old to new over the FDW, or left on old as the article does (`migration.logs`). */
export async function copyLogs(
  context: MigrationContext,
  evidence: PhaseEvidence['copy' | 'matviews to tables'],
): Promise<void> {
  if (context.config.migration.logs !== 'migrate') {
    evidence.loginLog = 'left on old (the article: log data is not migrated)';
    return;
  }
  await onNode(context, 'new', context.database, (c) =>
    runSqlFolder(c, 'migrate-logs', { shard: context.partition }),
  );
  evidence.loginLog = 'copied';
}

/** The article's copy inside the freeze: insert-select over the FDW (migrate-seed/030), then login_log. */
export const fdwCopy: Phase<MigrationContext, 'copy'> = {
  name: 'copy',
  async run(context, evidence) {
    await runSeedFile(context, '030');
    await copyLogs(context, evidence);
  },
};
