import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { exec } from './cli.ts';

/**
 * Everything shardmove could leave behind: run directories, postmasters started from
 * them, and labelled containers and networks. Tests compare snapshots before and after.
 */
export interface Leftovers {
  dirs: string[];
  postmasters: string[];
  containers: string[];
  networks: string[];
}

async function dockerList(kind: 'ps' | 'network', all: boolean): Promise<string[]> {
  const args = kind === 'ps' ? ['ps', ...(all ? ['-a'] : []), '-q'] : ['network', 'ls', '-q'];
  try {
    const { stdout } = await exec('docker', [...args, '--filter', 'label=dev.shardmove.managed=true']);
    return stdout.split('\n').filter(Boolean).sort();
  } catch {
    return [];
  }
}

export async function leftovers(): Promise<Leftovers> {
  const dirs = (await readdir(tmpdir())).filter((n) => n.startsWith('shardmove-sm-')).sort();
  const postmasters: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    // Postmasters (-D <run dir>) and pgbouncers (their config in the run dir) alike.
    if (cmd.includes(`${tmpdir()}/shardmove-sm-`)) postmasters.push(`${pid} ${cmd}`);
  }
  return {
    dirs,
    postmasters,
    containers: await dockerList('ps', true),
    networks: await dockerList('network', false),
  };
}

/**
 * What `after` holds that `before` did not. For a test that runs `down --all`: the sweep
 * may rightly take dead leftovers that were there before it (a killed earlier run), so
 * the question is only whether anything of its own run is left.
 */
export function addedSince(before: Leftovers, after: Leftovers): Leftovers {
  const added = (a: string[], b: string[]) => b.filter((x) => !a.includes(x));
  return {
    dirs: added(before.dirs, after.dirs),
    postmasters: added(before.postmasters, after.postmasters),
    containers: added(before.containers, after.containers),
    networks: added(before.networks, after.networks),
  };
}
