import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MigrationStrategy } from '../config/config-types.ts';
import { ShardmoveError } from '../errors.ts';
import { statePaths } from './state-file.ts';

/**
 * Written before `migrate` touches anything and removed when it has finished (moved or
 * rolled back): a journal still there means a migration was interrupted, and `recover`
 * finishes or undoes it.
 */
export interface MigrationJournal {
  readonly version: 1;
  readonly topologyRunId: string;
  readonly partition: number;
  readonly strategy: MigrationStrategy;
  readonly startedAt: string;
  readonly pid: number;
}

const journalPath = (stateDir: string) => join(statePaths(stateDir).dir, 'migration.json');

export async function readJournal(stateDir: string): Promise<MigrationJournal | undefined> {
  const text = await readFile(journalPath(stateDir), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as MigrationJournal;
  } catch (error) {
    throw new ShardmoveError(
      `migration journal ${journalPath(stateDir)} is unreadable: ${(error as Error).message}`,
    );
  }
}

export async function writeJournal(
  stateDir: string,
  journal: Omit<MigrationJournal, 'version'>,
): Promise<void> {
  await writeFile(journalPath(stateDir), `${JSON.stringify({ version: 1, ...journal }, null, 2)}\n`, {
    mode: 0o600,
  });
}

export async function removeJournal(stateDir: string): Promise<void> {
  await rm(journalPath(stateDir), { force: true });
}
