import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cpuCgroupOf } from '../../harness/provision/host-cpu-scheduling.ts';

const run = promisify(execFile);

/** The cgroup v1 `cpu` path of every process of a container (host PIDs, from `docker top`). */
export async function cpuCgroupsOf(containerName: string): Promise<string[]> {
  const { stdout } = await run('docker', ['top', containerName, '-o', 'pid']);
  const pids = stdout
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean);
  const paths = await Promise.all(pids.map((pid) => cpuCgroupOf(Number(pid))));
  return paths.filter((p): p is string => p !== undefined);
}
