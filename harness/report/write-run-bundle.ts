import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { renderBundle } from './render-bundle.ts';
import type { RunDocument } from './run-document.ts';

/**
 * reports/<run-id>/: run.json, then everything rendered from it; reports/latest points at
 * the newest bundle.
 */
export async function writeRunBundle(root: string, doc: RunDocument): Promise<string> {
  const dir = resolve(root, doc.runId);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'run.json'), `${JSON.stringify(doc, null, 2)}\n`);
  await renderBundle(dir, doc);
  await linkLatest(root, dir);
  return dir;
}

/** <root>/latest -> target (relative, so the reports directory can move). */
export async function linkLatest(root: string, target: string): Promise<void> {
  const latest = resolve(root, 'latest');
  await rm(latest, { force: true, recursive: true });
  await symlink(relative(resolve(root), resolve(target)), latest);
}
