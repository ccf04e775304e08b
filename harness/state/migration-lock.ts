import { link, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ShardmoveError } from '../errors.ts';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { processAlive } from '../util/process-alive.ts';
import { statePaths } from './state-file.ts';

export interface LockHolder {
  readonly pid: number;
  readonly command: string;
  readonly startedAt: string;
}

const lockPath = (stateDir: string) => join(statePaths(stateDir).dir, 'migration.lock');

async function holderOf(path: string): Promise<LockHolder | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  try {
    return text === undefined ? undefined : (JSON.parse(text) as LockHolder);
  } catch {
    return undefined;
  }
}

export function describeHolder(holder: LockHolder): string {
  return `shardmove ${holder.command} (pid ${holder.pid}, started ${holder.startedAt})`;
}

/**
 * One `migrate` or `recover` at a time per state directory. The lock file appears whole or
 * not at all (written aside, then hard-linked: link fails if it exists); a holder that is no
 * longer running left it behind (kill -9) and it is taken over, its journal deciding what
 * is left to do.
 */
export async function acquireMigrationLock(
  stateDir: string,
  command: string,
): Promise<AsyncDisposable & { readonly holder: LockHolder }> {
  const path = lockPath(stateDir);
  const holder: LockHolder = { pid: process.pid, command, startedAt: new Date().toISOString() };
  const mine = `${path}.${process.pid}`;
  await writeFileAtomic(mine, `${JSON.stringify(holder)}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(mine, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      }
      const current = await holderOf(path);
      if (current && processAlive(current.pid)) {
        throw new ShardmoveError(`the migration lock is held by ${describeHolder(current)}`, {
          hint: `wait for it to finish; it holds ${path}`,
        });
      }
      await rm(path, { force: true });
    }
  } finally {
    await rm(mine, { force: true });
  }
  return {
    holder,
    async [Symbol.asyncDispose]() {
      if ((await holderOf(path))?.pid === process.pid) await rm(path, { force: true });
    },
  };
}
