import { constants } from 'node:fs';
import { access, readFile, writeFile } from 'node:fs/promises';

/**
 * Why a container's processes are moved out of its CPU cgroup: a container is one cgroup,
 * and the kernel schedules a cgroup as one entity, so the 30 backends of the proxy
 * container share one entity's weight and are preempted and balanced as a group. On the
 * host every PostgreSQL backend calls setsid() and so gets an autogroup of its own, one
 * entity each: the local provider. Measured on this project's 2-core VM, pgbench through
 * the proxy: 5.1-5.5k tps in the container's cgroup, 5.9-6.3k once the same processes were
 * moved to the host's root CPU cgroup, the local provider 6.0-6.3k alongside. Raising
 * --cpu-shares or making the backends SCHED_BATCH won back less than half of the gap.
 *
 * Only the `cpu` hierarchy is touched: memory, pids and accounting (cpuacct, `docker
 * stats`) stay the container's, and the PID namespace still ends every process with it.
 */
export type HostScheduling = { moved: number } | { skipped: string };

const retries = 20;

/** Moves every process of the container whose init is `hostPid` to the root CPU cgroup. */
export async function scheduleAsHostProcesses(containerId: string, hostPid: number): Promise<HostScheduling> {
  const mount = await cpuHierarchyMount();
  if (!mount) return { skipped: 'the host has no cgroup v1 cpu hierarchy' };
  const path = await cpuCgroupOf(hostPid);
  // A remote engine's PIDs are not this host's: make sure the process is the container's.
  if (!path?.includes(containerId)) {
    return { skipped: 'the Docker engine does not run on this host (its container PIDs are not ours)' };
  }
  let moved = 0;
  // The postmaster may fork while we move; what it forks after its own move starts in root.
  for (let attempt = 0; attempt < retries; attempt++) {
    const pids = await readPids(`${mount}${path}/cgroup.procs`);
    if (pids === undefined || pids.length === 0) return { moved };
    for (const pid of pids) {
      try {
        await writeFile(`${mount}/cgroup.procs`, String(pid));
        moved++;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ESRCH') continue;
        if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
          return {
            skipped: `moving processes between CPU cgroups needs root on the engine's host (${code})`,
          };
        }
        throw error;
      }
    }
  }
  return { skipped: `processes kept appearing in ${path} after ${retries} passes` };
}

/** For doctor: whether `containers.cpuScheduling: "host"` can be had here, and if not why. */
export async function hostSchedulingAvailability(): Promise<string> {
  const mount = await cpuHierarchyMount();
  if (!mount) return 'container (the host has no cgroup v1 cpu hierarchy)';
  try {
    await access(`${mount}/cgroup.procs`, constants.W_OK);
    return 'host';
  } catch {
    return `container (${mount}/cgroup.procs is not writable: needs root)`;
  }
}

/** Where the cgroup v1 hierarchy holding the `cpu` controller is mounted. */
async function cpuHierarchyMount(): Promise<string | undefined> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    const [fstype, , superOptions] = after?.split(' ') ?? [];
    if (fstype !== 'cgroup' || !superOptions?.split(',').includes('cpu')) continue;
    return before?.split(' ')[4];
  }
  return undefined;
}

/** A process's path in the cgroup v1 `cpu` hierarchy (`/` is the root), from /proc. */
export async function cpuCgroupOf(pid: number): Promise<string | undefined> {
  const lines = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  for (const line of lines.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (controllers?.split(',').includes('cpu')) return path;
  }
  return undefined;
}

async function readPids(file: string): Promise<number[] | undefined> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean).map(Number);
  } catch {
    return undefined;
  }
}
