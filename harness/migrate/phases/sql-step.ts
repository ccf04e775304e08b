import { basename } from 'node:path';
import type { NodeRole, SqlStep, StepTarget } from '../../config/config-types.ts';
import { formatConninfo, tlsConninfo } from '../../config/dsn.ts';
import type { UserSqlPlaceholder } from '../../config/user-sql.ts';
import { onNode } from '../../db/node-session.ts';
import { runUserSqlFile, schemaVars, UserSqlFailed } from '../../schema/user-sql-file.ts';
import { epochNow } from '../../util/epoch-clock.ts';
import { type MigrationContext, proxyDatabase } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';

const where = (context: MigrationContext, on: StepTarget): [NodeRole, string] => {
  switch (on) {
    case 'proxy':
      return ['proxy', proxyDatabase(context)];
    case 'old-shard':
      return ['old', context.database];
    case 'new-shard':
      return ['new', context.database];
    case 'old-postgres':
      return ['old', context.nodes.old.endpoint.database];
    case 'new-postgres':
      return ['new', context.nodes.new.endpoint.database];
  }
};

export function stepPlaceholders(context: MigrationContext): Record<UserSqlPlaceholder, string | number> {
  const { old, new: fresh } = context.nodes;
  const dsn = (n: typeof old) =>
    formatConninfo([
      ['host', n.peerHost],
      ['port', n.peerPort],
      ['dbname', context.database],
      ['user', n.endpoint.user],
      ...tlsConninfo(n.endpoint),
    ]);
  // A step's shard is the moved one: the schema files' placeholders, plus where the backends are.
  return {
    ...schemaVars(context.config, context.partition, context.database),
    old_host: old.peerHost,
    old_port: old.peerPort,
    new_host: fresh.peerHost,
    new_port: fresh.peerPort,
    old_dsn: dsn(old),
    new_dsn: dsn(fresh),
  };
}

/** Runs one of the case's SQL files on its target; a failure names its file, line and SQLSTATE. */
async function runStepFile(
  context: MigrationContext,
  step: string,
  file: string,
  on: StepTarget,
): Promise<number> {
  const [role, database] = where(context, on);
  return onNode(context, role, database, (c) =>
    runUserSqlFile(c, file, stepPlaceholders(context), `step '${step}'`),
  );
}

/**
 * A step the case wrote. Its result carries the user's name (not a built-in phase's), so the
 * report and run.json say what the user called it; a step that marks the freeze or the
 * switch sets that instant, as the built-in phase would, for the checks that time by it.
 */
export function sqlStep(spec: SqlStep): Phase<MigrationContext, 'sql step'> {
  const undo: Phase<MigrationContext, 'sql step'> | undefined = spec.undo
    ? {
        name: `undo ${spec.name}` as 'sql step',
        async run(context, evidence) {
          evidence.file = basename(spec.undo as string);
          evidence.on = spec.on;
          evidence.statements = await runStepFile(context, `undo ${spec.name}`, spec.undo as string, spec.on);
        },
      }
    : undefined;
  return {
    // The type says which evidence; the name at run time is the user's.
    name: spec.name as 'sql step',
    undo,
    async run(context, evidence) {
      evidence.file = basename(spec.sql);
      evidence.on = spec.on;
      if (spec.marks) evidence.marks = spec.marks;
      try {
        evidence.statements = await runStepFile(context, spec.name, spec.sql, spec.on);
      } catch (error) {
        if (error instanceof UserSqlFailed) {
          evidence.line = error.line;
          evidence.sqlstate = error.sqlstate;
        }
        throw error;
      }
      if (spec.marks === 'freeze') context.marks.freezeAt = epochNow();
      if (spec.marks === 'switch') context.marks.switchAt = epochNow();
    },
  };
}
