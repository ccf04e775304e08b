import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openKeptTopology } from '../../harness/topology/kept-topology.ts';
import { runCli } from '../support/cli.ts';
import { query } from '../support/sql.ts';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Every running process's environment, for the children shardmove started (servers, pooler). */
async function processEnvironments(): Promise<Array<[string, string]>> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const out: Array<[string, string]> = [];
  for (const pid of pids) {
    const text = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => undefined);
    if (text !== undefined) out.push([`/proc/${pid}/environ`, text]);
  }
  return out;
}

/**
 * The nodes' password lives in one place, the pgpass file that `up --keep` writes (mode
 * 0600) for psql and pgbench: a rehearsal with the seed strategy (whose FDW user mapping
 * holds old's password while it copies) must leave it nowhere else.
 */
it("leaves the nodes' passwords nowhere but the pgpass file: output, bundle, state, new db23's catalogs, processes", async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'shardmove-secrets-'));
  const reports = join(stateDir, 'reports');
  try {
    const run = await runCli([
      'run',
      '--provider',
      'local',
      '--profile',
      'ci',
      '--clients',
      '12',
      '--keep',
      '--state-dir',
      stateDir,
      '--reports',
      reports,
    ]);
    expect([0, 1], run.stderr).toContain(run.code);
    const stateFiles = await filesUnder(stateDir);
    const pgpass = stateFiles.find((f) => f.endsWith('.pgpass'));
    expect(pgpass).toBeDefined();
    const passwords = [
      ...new Set(
        (await readFile(pgpass as string, 'utf8'))
          .trim()
          .split('\n')
          .map((line) => line.split(':')[4] ?? ''),
      ),
    ];
    expect(passwords.every((p) => p.length >= 16)).toBe(true);

    const places: Array<[string, string]> = [
      ['run stdout', run.stdout],
      ['run stderr', run.stderr],
    ];
    for (const file of stateFiles.filter((f) => f !== pgpass))
      places.push([file, await readFile(file, 'latin1')]);
    const { nodes } = await openKeptTopology(stateDir);
    const catalogs = await query<{ text: string }>(
      nodes.new.endpoint,
      'db23',
      `select coalesce((select string_agg(array_to_string(umoptions, ','), ';') from pg_user_mappings), '')
           || coalesce((select string_agg(array_to_string(srvoptions, ','), ';') from pg_foreign_server), '')
           || coalesce((select string_agg(subconninfo, ';') from pg_subscription), '') as text`,
    );
    places.push(["new db23's user mappings, servers, subscriptions", catalogs[0]?.text ?? '']);
    places.push(...(await processEnvironments()));
    const hits = places.filter(([, text]) => passwords.some((p) => text.includes(p))).map(([where]) => where);
    expect(hits).toEqual([]);
  } finally {
    await runCli(['down', '--state-dir', stateDir]);
    await rm(stateDir, { recursive: true, force: true });
  }
});
