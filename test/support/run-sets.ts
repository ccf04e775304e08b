import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunDocument } from '../../harness/report/run-document.ts';

/** <root>/<name>/<runId>/run.json for each document: a directory of runs, as run --repeat and a sweep write it. */
export async function writeRunSet(root: string, name: string, docs: readonly RunDocument[]): Promise<string> {
  const set = join(root, name);
  for (const d of docs) {
    await mkdir(join(set, d.runId), { recursive: true });
    await writeFile(join(set, d.runId, 'run.json'), JSON.stringify(d));
  }
  return set;
}
