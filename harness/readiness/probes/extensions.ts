import { onNode } from '../../db/node-session.ts';
import { go, noGo, type ReadinessInput, type ReadinessItem } from '../readiness.ts';

/** Every extension in old's shard, at its version, is installed in new's copy or installable on new. */
export async function extensions(input: ReadinessInput): Promise<ReadinessItem> {
  const cause = 'extensions';
  const onOld = await onNode(input.sessions, 'old', input.database, async (c) => {
    const { rows } = await c.query<{ name: string; version: string }>(
      'select extname as name, extversion as version from pg_extension order by 1',
    );
    return rows;
  });
  const available = await onNode(input.sessions, 'new', 'postgres', async (c) => {
    const { rows } = await c.query<{ name: string; version: string }>(
      'select name, version from pg_available_extension_versions',
    );
    return new Set(rows.map((r) => `${r.name} ${r.version}`));
  });
  const missing = onOld.filter((e) => !available.has(`${e.name} ${e.version}`));
  const list = onOld.map((e) => `${e.name} ${e.version}`).join(', ');
  return missing.length
    ? noGo(
        cause,
        `old ${input.database} uses ${list}`,
        missing.map((e) => `${e.name} ${e.version} is not available on new`),
      )
    : go(cause, `${list}: available on new`);
}
