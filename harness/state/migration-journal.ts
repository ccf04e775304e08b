import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type MigrationStrategy, migrationStrategies, type ProcedureStep } from '../config/config-types.ts';
import { errorMessage, ShardmoveError } from '../errors.ts';
import { removeFileDurably, writeFileAtomic } from '../util/atomic-file.ts';
import { statePaths } from './state-file.ts';

/**
 * Written before `migrate` touches anything and removed only when it has finished cleanly
 * (moved, or rolled back with every step done): a journal still there means a migration
 * was interrupted or left something behind, and `recover` finishes or undoes it.
 */
export interface MigrationJournal {
  readonly version: 2;
  readonly topologyRunId: string;
  /** The token new's copy carries: a rollback drops only a copy with it. */
  readonly migrationId: string;
  readonly partition: number;
  readonly strategy: MigrationStrategy;
  /** The procedure that ran, the case's own steps included: what `recover` undoes. Older journals have none. */
  readonly steps?: readonly ProcedureStep[] | undefined;
  readonly startedAt: string;
  readonly pid: number;
}

/** The pending migration in words, for a refusal or a warning that names it. */
export function describePending(journal: MigrationJournal): string {
  return `a migration of p${journal.partition} (${journal.strategy}, started ${journal.startedAt}) was interrupted or left something behind`;
}

export const journalPath = (stateDir: string) => join(statePaths(stateDir).dir, 'migration.json');

function journalProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const j = value as Record<string, unknown>;
  if (j.version !== 1 && j.version !== 2) return `unknown version ${JSON.stringify(j.version)}`;
  if (typeof j.topologyRunId !== 'string') return 'no topologyRunId';
  if (!Number.isInteger(j.partition)) return 'no partition';
  if (!migrationStrategies.includes(j.strategy as MigrationStrategy)) return 'no strategy';
  if (typeof j.startedAt !== 'string') return 'no startedAt';
  if (!Number.isInteger(j.pid)) return 'no pid';
  if (j.version === 2 && typeof j.migrationId !== 'string') return 'no migrationId';
  if (j.steps !== undefined && !Array.isArray(j.steps)) return 'steps is not a list';
  return undefined;
}

/** The journal, undefined when there is none; one that cannot be read is an error, never "none". */
export async function readJournal(stateDir: string): Promise<MigrationJournal | undefined> {
  const path = journalPath(stateDir);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new ShardmoveError(`migration journal ${path} is unreadable: ${error.message}`);
  });
  if (text === undefined) return undefined;
  let problem: string | undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
    problem = journalProblem(parsed);
  } catch (error) {
    problem = errorMessage(error);
  }
  if (problem !== undefined) {
    throw new ShardmoveError(`migration journal ${path} is unreadable: ${problem}`, {
      hint: 'a migration may have been interrupted: check where the partition is (`shardmove verify`) before removing the file by hand',
    });
  }
  const journal = parsed as Omit<MigrationJournal, 'version' | 'migrationId'> & { migrationId?: string };
  // A version-1 journal named no copy: recover then drops nothing on new, and says so.
  return { ...journal, version: 2, migrationId: journal.migrationId ?? '' };
}

export async function writeJournal(
  stateDir: string,
  journal: Omit<MigrationJournal, 'version'>,
): Promise<void> {
  await writeFileAtomic(journalPath(stateDir), `${JSON.stringify({ version: 2, ...journal }, null, 2)}\n`);
}

export async function removeJournal(stateDir: string): Promise<void> {
  await removeFileDurably(journalPath(stateDir));
}
