import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NodeRole } from '../config/config-types.ts';
import type { NodesHandle } from '../db/node-access.ts';
import { runCommand } from '../lifecycle/run-command.ts';
import { sleep } from '../util/sleep.ts';
import { findLocalBinaries, localNodePaths, postgresOsUser, serverPgpassPath } from './local-binaries.ts';
import { readNodeNetwork } from './node-network.ts';

const run = promisify(execFile);

export async function postmasterPid(baseDir: string, role: NodeRole): Promise<number> {
  const text = await readFile(join(localNodePaths(baseDir, role).dataDir, 'postmaster.pid'), 'utf8');
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${role}: no postmaster pid`);
  return pid;
}

/** The postmaster and every process it started: what a pause has to stop. */
async function clusterPids(pid: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }));
  return [pid, ...stdout.split('\n').filter(Boolean).map(Number)];
}

const containerName = (runId: string, role: NodeRole) => `shardmove-${runId}-${role}`;

/** Kills a node outright, as a crash or a lost machine would: no shutdown checkpoint. */
export async function killNode(handle: NodesHandle, role: NodeRole): Promise<string> {
  if (handle.provider === 'local') {
    // SIGQUIT is PostgreSQL's immediate shutdown: every backend exits at once, no checkpoint.
    process.kill(await postmasterPid(handle.baseDir, role), 'SIGQUIT');
    return `SIGQUIT to ${role}'s postmaster (immediate shutdown)`;
  }
  if (handle.provider === 'containers') {
    await run('docker', ['kill', containerName(handle.runId, role)], { timeout: 30_000 });
    return `docker kill ${containerName(handle.runId, role)}`;
  }
  throw new Error('node faults need the local or containers provider');
}

/**
 * Freezes a node's processes for a while, as a stalled VM or a long GC pause would, then
 * resumes them. `stopped` is called as soon as the node is frozen, before the wait.
 */
export async function pauseNode(
  handle: NodesHandle,
  role: NodeRole,
  millis: number,
  stopped: (detail: string) => void = () => {},
): Promise<string> {
  if (handle.provider === 'local') {
    const pids = await clusterPids(await postmasterPid(handle.baseDir, role));
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    stopped(`SIGSTOP to ${pids.length} processes of ${role}, SIGCONT ${millis} ms later`);
    await sleep(millis);
    for (const pid of pids) process.kill(pid, 'SIGCONT');
    return `SIGSTOP/SIGCONT to ${pids.length} processes of ${role} for ${millis} ms`;
  }
  if (handle.provider === 'containers') {
    const name = containerName(handle.runId, role);
    await run('docker', ['pause', name], { timeout: 30_000 });
    stopped(`docker pause ${name}, unpause ${millis} ms later`);
    await sleep(millis);
    await run('docker', ['unpause', name], { timeout: 30_000 });
    return `docker pause/unpause ${name} for ${millis} ms`;
  }
  throw new Error('node faults need the local or containers provider');
}

/**
 * Restarts a node with a fast shutdown, as an operator's restart or a failover would:
 * sessions are cut, the server is back moments later on the same address. Local only: a
 * restarted container comes back under a new published port, which the harness could
 * not follow.
 */
export async function restartNode(handle: NodesHandle, role: NodeRole): Promise<string> {
  if (handle.provider !== 'local')
    throw new Error(`restarting a node needs the local provider, not ${handle.provider}`);
  const binaries = findLocalBinaries();
  if (!binaries) throw new Error('PostgreSQL binaries not found');
  const { dataDir, logFile } = localNodePaths(handle.baseDir, role);
  const started = performance.now();
  // A node in a namespace of its own is restarted there: the new postmaster listens on its address.
  const netns = (await readNodeNetwork(handle.baseDir))?.nodes[role].namespace;
  await runCommand(
    join(binaries.binDir, 'pg_ctl'),
    ['-D', dataDir, '-l', logFile, '-m', 'fast', '-w', 'restart'],
    // As at start: the postmaster's environment carries the pgpass file its libpq uses.
    {
      asUser: postgresOsUser,
      ...(netns ? { netns } : {}),
      what: `pg_ctl restart (${role})`,
      env: { ...process.env, PGPASSFILE: serverPgpassPath(handle.baseDir) },
    },
  );
  return `pg_ctl restart -m fast of ${role} (${Math.round(performance.now() - started)} ms)`;
}
