import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, errorMessage } from '../errors.ts';
import { readRunDocument } from '../report/read-run-document.ts';
import type { RunDocument } from '../report/run-document.ts';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * A side of a comparison: a run.json, a run's bundle, or a directory of bundles (what
 * `run --repeat N` writes), read and checked against the schema.
 */
export async function readRunSet(path: string): Promise<RunDocument[]> {
  if (path.endsWith('.json') || (await exists(join(path, 'run.json')))) return [await readRunDocument(path)];
  let entries: string[];
  try {
    entries = (await readdir(path)).sort();
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${errorMessage(error)}`);
  }
  const runs: RunDocument[] = [];
  for (const entry of entries) {
    if (await exists(join(path, entry, 'run.json'))) runs.push(await readRunDocument(join(path, entry)));
  }
  if (runs.length === 0)
    throw new ConfigError(`${path} holds no run.json, neither itself nor in a subdirectory`);
  return runs;
}
