import { link, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ShardmoveError } from '../errors.ts';
import { writeFileAtomic } from '../util/atomic-file.ts';
import {
  currentProcess,
  describeIdentity,
  livenessOf,
  type ProcessIdentity,
} from '../util/process-identity.ts';
import { sleep } from '../util/sleep.ts';
import { statePaths } from './state-file.ts';

export interface LockHolder extends Partial<Omit<ProcessIdentity, 'pid'>> {
  readonly pid: number;
  readonly command: string;
  readonly startedAt: string;
}

const lockPath = (stateDir: string) => join(statePaths(stateDir).dir, 'migration.lock');
/** Held for the few milliseconds of a takeover; one older than this was left by a crash. */
const takeoverStaleMillis = 30_000;

async function readHolder(
  path: string,
): Promise<{ holder: LockHolder | undefined; text: string } | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return { holder: JSON.parse(text) as LockHolder, text };
  } catch {
    return { holder: undefined, text };
  }
}

export function describeHolder(holder: LockHolder): string {
  return `shardmove ${holder.command} (${describeIdentity(holder)}, started ${holder.startedAt})`;
}

function heldBy(holder: LockHolder, path: string): ShardmoveError {
  const elsewhere = livenessOf(holder) === 'elsewhere';
  return new ShardmoveError(`the migration lock is held by ${describeHolder(holder)}`, {
    hint: elsewhere
      ? `it was taken on another host, which this one cannot see; if that process is gone, remove ${path} there`
      : `wait for it to finish; it holds ${path}`,
  });
}

/**
 * Replaces a dead holder's lock with ours. Two processes may find the same dead holder:
 * each must first take the takeover guard (link: exactly one succeeds), check under it that
 * the lock still holds what it read, and then rename its own file over the lock (never a
 * moment without a lock file, so a plain acquirer's link keeps failing meanwhile).
 */
async function takeOver(path: string, mine: string, staleText: string): Promise<boolean> {
  const guard = `${path}.takeover`;
  try {
    await link(mine, guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = await stat(guard).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > takeoverStaleMillis) await rm(guard, { force: true });
    return false;
  }
  try {
    if ((await readHolder(path))?.text !== staleText) return false;
    await rename(mine, path);
    return true;
  } finally {
    await rm(guard, { force: true });
  }
}

/**
 * One `migrate` or `recover` at a time per state directory. The lock file appears whole or
 * not at all (written aside, then hard-linked: link fails if it exists). A holder that no
 * longer runs (kill -9; a pid reused, or the same pid in a restarted container, is told
 * apart by its start time) left it behind, and it is taken over, its journal deciding what
 * is left to do.
 */
export async function acquireMigrationLock(
  stateDir: string,
  command: string,
): Promise<AsyncDisposable & { readonly holder: LockHolder }> {
  const path = lockPath(stateDir);
  const holder: LockHolder = { ...currentProcess(), command, startedAt: new Date().toISOString() };
  const mine = `${path}.${process.pid}`;
  await writeFileAtomic(mine, `${JSON.stringify(holder)}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(mine, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 20) throw error;
      }
      const current = await readHolder(path);
      if (current === undefined) continue;
      if (current.holder && livenessOf(current.holder) !== 'gone') throw heldBy(current.holder, path);
      if (await takeOver(path, mine, current.text)) break;
      await sleep(5 + Math.random() * 20);
    }
  } finally {
    await rm(mine, { force: true });
  }
  return {
    holder,
    async [Symbol.asyncDispose]() {
      const current = (await readHolder(path))?.holder;
      if (current?.pid === holder.pid && current.startTicks === holder.startTicks)
        await rm(path, { force: true });
    },
  };
}

/** The process that holds the migration lock, if one still runs (or may: on another host). */
export async function liveLockHolder(stateDir: string): Promise<LockHolder | undefined> {
  const holder = (await readHolder(lockPath(stateDir)))?.holder;
  return holder && livenessOf(holder) !== 'gone' ? holder : undefined;
}
