import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { lifecycleOnly, suiteConfigFile } from '../support/suite-config.ts';

/**
 * `run --keep` after a move that failed past the switch keeps the topology half-finished, as
 * a killed `migrate` would: it leaves the journal too, so that `recover` reaches what is left.
 */
it('leaves a journal after a move that failed after the switch, and recover finishes it', async () => {
  const work = await mkdtemp(join(tmpdir(), 'shardmove-test-run-keep-'));
  const stateDir = join(work, 'state');
  try {
    const config = await suiteConfigFile(work, {
      ...lifecycleOnly,
      migration: { injectFaultAfter: 'switch' },
    });
    const run = await runCli([
      'run',
      '--strategy',
      'copy',
      '--config',
      config,
      '--provider',
      'local',
      '--keep',
      '--state-dir',
      stateDir,
      '--reports',
      join(work, 'reports'),
    ]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/: failed-after-switch \(/);
    expect(run.stderr).toMatch(/ended failed-after-switch: `shardmove recover` finishes or rolls it back/);
    const journal = JSON.parse(await readFile(join(stateDir, 'migration.json'), 'utf8')) as {
      partition: number;
      strategy: string;
    };
    expect(journal).toMatchObject({ partition: 23, strategy: 'copy' });

    const blocked = await runCli(['migrate', '--partition', '22', '--state-dir', stateDir]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/run `shardmove recover` first/);
    const recover = await runCli(['recover', '--state-dir', stateDir]);
    expect(recover.code, recover.stdout + recover.stderr).toBe(0);
    expect(recover.stdout).toMatch(/^completed: p23 on new, read-write/m);
    // Tied up: the FDW server (with old's password in its user mapping) is gone from new.
    expect(recover.stdout).toMatch(/^ {2}drop fdw +\d+\.\d s {2}ok$/m);
    expect((await runCli(['recover', '--state-dir', stateDir])).stdout).toMatch(/^nothing to recover/m);
  } finally {
    await runCli(['down', '--state-dir', stateDir]);
    await rm(work, { recursive: true, force: true });
  }
});
