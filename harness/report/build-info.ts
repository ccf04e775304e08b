import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { projectRoot } from '../provision/docker-engine.ts';

const run = promisify(execFile);

export interface BuildInfo {
  shardmoveVersion: string;
  /** The commit the harness ran from, with `-dirty` when the work tree had changes; unknown outside git. */
  gitCommit: string;
}

export async function buildInfo(): Promise<BuildInfo> {
  const pkg = JSON.parse(await readFile(`${projectRoot}package.json`, 'utf8')) as { version: string };
  let gitCommit = 'unknown';
  try {
    const head = await run('git', ['rev-parse', 'HEAD'], { cwd: projectRoot, timeout: 5000 });
    const status = await run('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: projectRoot,
      timeout: 5000,
    });
    gitCommit = `${head.stdout.trim()}${status.stdout.trim() ? '-dirty' : ''}`;
  } catch {
    // Not a git checkout (an unpacked tarball): the version alone identifies it.
  }
  return { shardmoveVersion: pkg.version, gitCommit };
}
