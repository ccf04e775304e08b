import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The cgroup v1 `cpu` path of every process of a container (host PIDs, from `docker top`). */
export async function cpuCgroupsOf(containerName: string): Promise<string[]> {
  const { stdout } = await run('docker', ['top', containerName, '-o', 'pid']);
  const pids = stdout
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean);
  const paths: string[] = [];
  for (const pid of pids) {
    const lines = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
    const cpu = lines.split('\n').find((l) => l.split(':')[1]?.split(',').includes('cpu'));
    if (cpu) paths.push(cpu.split(':')[2] ?? '');
  }
  return paths;
}
