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
  // A reports directory holds each bundle once and `latest`, a link to one of them: a run
  // counted twice would narrow a side's range and pass for a repeat.
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!(await exists(join(path, entry, 'run.json')))) continue;
    const doc = await readRunDocument(join(path, entry));
    if (seen.has(doc.runId)) continue;
    seen.add(doc.runId);
    runs.push(doc);
  }
  // `run --repeat N --reports DIR` writes DIR/set-<id>/ and DIR/latest: the newest set is the side.
  if (runs.length === 0 && entries.includes('latest') && entries.some((e) => e.startsWith('set-')))
    return readRunSet(join(path, 'latest'));
  if (runs.length === 0)
    throw new ConfigError(`${path} holds no run.json, neither itself nor in a subdirectory`);
  // Run ids start with their time: in the order they ran, whatever links sort first.
  return runs.sort((a, b) => a.runId.localeCompare(b.runId));
}
