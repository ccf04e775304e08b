import { statfs } from 'node:fs/promises';
import { onNode } from '../../db/node-session.ts';
import { go, noGo, type ReadinessInput, type ReadinessItem, unknown } from '../readiness.ts';

/** The copy, its indexes built anew and the WAL written on the way: what new needs beyond the shard's size. */
const headroom = 1.5;

/**
 * new's free space against old's shard. SQL shows a database's size but not a disk's free
 * space, so it is measured only where new's data directory is on this host (local).
 */
export async function diskSpace(input: ReadinessInput): Promise<ReadinessItem> {
  const cause = 'disk space on new';
  const size = await onNode(input.sessions, 'old', 'postgres', async (c) => {
    const { rows } = await c.query<{ bytes: string }>('select pg_database_size($1)::text as bytes', [
      input.database,
    ]);
    return Number(rows[0]?.bytes ?? 0);
  });
  const needed = size * headroom;
  const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
  if (input.provider !== 'local') {
    return unknown(
      cause,
      `old ${input.database} is ${mib(size)}; new needs about ${mib(needed)} free (not visible over SQL: check it on new's host)`,
    );
  }
  const directory = await onNode(input.sessions, 'new', 'postgres', async (c) => {
    const { rows } = await c.query<{ dir: string }>(`select current_setting('data_directory') as dir`);
    return rows[0]?.dir ?? '';
  });
  const fs = await statfs(directory);
  const free = fs.bavail * fs.bsize;
  const detail = `old ${input.database} is ${mib(size)}; ${mib(free)} free on new's data directory, about ${mib(needed)} needed`;
  return free < needed
    ? noGo(cause, detail, [`new: ${mib(free)} free, ${mib(needed)} needed`])
    : go(cause, detail);
}
