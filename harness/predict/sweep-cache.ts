import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { cpus, hostname } from 'node:os';
import { join, relative } from 'node:path';
import type { ShardmoveConfig } from '../config/config-types.ts';
import { projectRoot } from '../provision/docker-engine.ts';
import type { RunDocument } from '../report/run-document.ts';

/**
 * What a sweep point's result depends on, hashed: the harness's own code (every file under
 * harness/, so an uncommitted edit counts as a change), the point's settings, the round, and
 * the host (a point measured elsewhere says nothing of this machine's storms).
 */
export interface PointKey {
  readonly codeHash: string;
  readonly strategy: string;
  readonly profile: string;
  /** The share of the profile's moved shard, in percent. */
  readonly percent: number;
  readonly round: number;
  readonly settingsHash: string;
  readonly host: string;
}

export async function harnessCodeHash(root = join(projectRoot, 'harness')): Promise<string> {
  const files = (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(root, file));
    hash.update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The settings as the run would use them, without anything that may name a password. */
export function settingsHash(config: ShardmoveConfig): string {
  const { external: _external, ...rest } = config;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

export function pointKey(
  codeHash: string,
  config: ShardmoveConfig,
  percent: number,
  round: number,
): PointKey {
  return {
    codeHash,
    strategy: config.migration.strategy,
    profile: config.seeding.profile,
    percent,
    round,
    settingsHash: settingsHash(config),
    host: `${hostname()}/${cpus().length} cores`,
  };
}

/** One file per size, strategy and round: a later sweep overwrites a stale one in place. */
function pointFile(dir: string, key: PointKey): string {
  return join(dir, `${key.profile}-${key.strategy}-${key.percent}pct-round${key.round + 1}.json`);
}

function sameKey(a: PointKey, b: PointKey): boolean {
  return (Object.keys(a) as (keyof PointKey)[]).every((k) => a[k] === b[k]);
}

/**
 * The result of a point measured before with the same code, settings and host, if any. A
 * file that does not parse, or was written for another key, is a miss (the point runs
 * again), never an error: the cache only saves time.
 */
export async function cachedPoint(dir: string, key: PointKey): Promise<RunDocument | undefined> {
  try {
    const entry = JSON.parse(await readFile(pointFile(dir, key), 'utf8')) as {
      key: PointKey;
      doc: RunDocument;
    };
    return sameKey(entry.key, key) ? entry.doc : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all (a rename), so a sweep killed mid-write leaves no torn point. */
export async function cachePoint(dir: string, key: PointKey, doc: RunDocument): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = pointFile(dir, key);
  await writeFile(`${file}.tmp`, `${JSON.stringify({ key, doc })}\n`);
  await rename(`${file}.tmp`, file);
}
