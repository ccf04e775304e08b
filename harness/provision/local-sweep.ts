import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../util/process-alive.ts';
import { sleep } from '../util/sleep.ts';
import { currentNamespace, localDirPrefix, localMarkerFile } from './labels.ts';
import { readNodeNetwork, removeNodeNetwork } from './node-network.ts';

/**
 * Postmasters whose data directory, and pgbouncers whose config, lie under `dir`, found
 * through /proc (a SIGKILLed harness leaves no pid list), each with the signal that stops
 * it at once: SIGQUIT is PostgreSQL's immediate shutdown, SIGTERM pgbouncer's.
 */
async function serversUnder(dir: string): Promise<Array<{ pid: number; signal: NodeJS.Signals }>> {
  const found: Array<{ pid: number; signal: NodeJS.Signals }> = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const dataDir = argv[argv.indexOf('-D') + 1];
    if (argv[0]?.endsWith('/postgres') && argv.includes('-D') && dataDir?.startsWith(`${dir}/`)) {
      found.push({ pid: Number(entry), signal: 'SIGQUIT' });
    } else if (argv[0]?.endsWith('/pgbouncer') && argv.some((a) => a.startsWith(`${dir}/`))) {
      found.push({ pid: Number(entry), signal: 'SIGTERM' });
    }
  }
  return found;
}

/**
 * Stops every server (postmaster, pgbouncer) under a shardmove base directory and removes
 * the directory. A postmaster's children exit with it; SIGKILL follows for anything still
 * there after 10 s.
 */
export async function sweepLocalRun(baseDir: string): Promise<{ stopped: number }> {
  const network = await readNodeNetwork(baseDir);
  const servers = await serversUnder(baseDir);
  const pids = servers.map((s) => s.pid);
  for (const { pid, signal } of servers) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + 10_000;
  while (pids.some(processAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(processAlive)) process.kill(pid, 'SIGKILL');
  // The namespaces go once nothing runs in them; the record goes with the directory.
  const left = network ? await removeNodeNetwork(network) : [];
  if (left.length) throw new Error(`could not remove the run's network: ${left.join('; ')}`);
  await rm(baseDir, { recursive: true, force: true });
  return { stopped: pids.length };
}

/**
 * Every shardmove base directory in the temp dir (those with our marker file); under
 * SHARDMOVE_NAMESPACE, only the runs started under it.
 */
export async function localRunDirs(root = tmpdir()): Promise<string[]> {
  const namespace = currentNamespace();
  const dirs: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith(localDirPrefix)) continue;
    const dir = join(root, name);
    const marker = await readFile(join(dir, localMarkerFile), 'utf8').catch(() => undefined);
    if (marker === undefined) continue;
    if (namespace === undefined || markerNamespace(marker) === namespace) dirs.push(dir);
  }
  return dirs;
}

function markerNamespace(marker: string): string | undefined {
  try {
    const parsed = JSON.parse(marker) as { namespace?: unknown };
    return typeof parsed.namespace === 'string' ? parsed.namespace : undefined;
  } catch {
    // A marker from before it was JSON, or torn by a SIGKILL: a run of no namespace.
    return undefined;
  }
}
