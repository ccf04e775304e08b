import { onNode } from '../../db/node-session.ts';
import { renderSql, runSqlFile, runSqlFolder, sqlFile, statements } from '../../schema/sql-files.ts';
import type { MigrationContext } from '../migration-context.ts';
import type { PhaseEvidence, StatementTiming } from '../phase-evidence.ts';
import type { Phase } from '../phase-result.ts';

/** Runs one numbered file of migrate-seed/ on new's copy of the shard. */
export async function runSeedFile(context: MigrationContext, prefix: string): Promise<void> {
  const file = await sqlFile('migrate-seed', prefix);
  await onNode(context, 'new', context.database, (c) => runSqlFile(c, file, { shard: context.partition }));
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
      const file = await sqlFile('migrate-seed', prefix);
      const timings: StatementTiming[] = [];
      evidence.statements = timings;
      await onNode(context, 'new', context.database, async (c) => {
        for (const statement of statements(renderSql(file, { shard: context.partition }))) {
          const startedAt = performance.now();
          await c.query(statement);
          timings.push({ statement: oneLine(statement), seconds: (performance.now() - startedAt) / 1000 });
        }
      });
    },
  };
}

/** A statement on one line, without its comments: what a report's row can show. */
function oneLine(statement: string): string {
  return statement
    .split('\n')
    .map((l) => l.replace(/--.*$/, '').trim())
    .filter(Boolean)
    .join(' ')
    .replace(/;$/, '');
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
