import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDirPrefix, localMarkerFile } from './labels.ts';

/** Postmasters whose data directory lies under `dir`, found through /proc (a SIGKILLed harness leaves no pid list). */
async function postmastersUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const dataDir = argv[argv.indexOf('-D') + 1];
    if (argv[0]?.endsWith('/postgres') && argv.includes('-D') && dataDir?.startsWith(`${dir}/`)) {
      pids.push(Number(entry));
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops every postmaster under a shardmove base directory and removes the directory.
 * SIGQUIT is PostgreSQL's immediate shutdown (children exit with their postmaster); SIGKILL
 * follows for anything still there after 10 s.
 */
export async function sweepLocalRun(baseDir: string): Promise<{ stopped: number }> {
  const pids = await postmastersUnder(baseDir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
  await rm(baseDir, { recursive: true, force: true });
  return { stopped: pids.length };
}

/** Every shardmove base directory in the temp dir (those with our marker file). */
export async function localRunDirs(root = tmpdir()): Promise<string[]> {
  const dirs: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith(localDirPrefix)) continue;
    const dir = join(root, name);
    const marker = await readFile(join(dir, localMarkerFile), 'utf8').catch(() => undefined);
    if (marker !== undefined) dirs.push(dir);
  }
  return dirs;
}
