import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.ts';
import { leftovers } from '../support/leftovers.ts';
import { testProviders } from '../support/providers.ts';

let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'shardmove-test-state-'));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

const phases = ['choose provider', 'provision', 'install schema', 'seed'];

describe.each(testProviders())('Ctrl-C during `up` on the %s provider', (provider) => {
  it.each(phases)('SIGINT after "%s" started leaves no container, process or temp dir', async (phase) => {
    const before = await leftovers();
    const { child, done } = startCli([
      'up',
      '--provider',
      provider,
      '--profile',
      'ci',
      '--keep',
      '--state-dir',
      stateDir,
    ]);
    let sent = false;
    child.stderr?.on('data', (d: Buffer) => {
      if (!sent && new RegExp(`\\] ${phase}( \\(.*\\))?: started`).test(d.toString())) {
        sent = true;
        // A random moment inside the phase, not just its first instant.
        setTimeout(() => child.kill('SIGINT'), Math.floor(Math.random() * 400));
      }
    });
    const result = await done;
    if (result.code === 0) {
      // The phase ended before the signal landed: the run completed and is kept; stop it.
      await runCli(['down', '--state-dir', stateDir]);
    } else {
      expect(result.code).toBe(130);
      expect(result.stderr).toMatch(/SIGINT: cleaning up/);
    }
    expect(sent).toBe(true);
    expect(await leftovers()).toEqual(before);
  });
});

describe('Ctrl-C during a migration', () => {
  const migrationPhases = [
    'baseline load',
    'prepare new',
    'pre-copy',
    'freeze',
    'refresh',
    'copy',
    'parity',
    'switch',
  ];
  // A different phase on each run of the suite; the name is in the test's title.
  const phase = migrationPhases[Math.floor(Math.random() * migrationPhases.length)] ?? 'freeze';

  it(`SIGINT once "${phase}" started stops the load and the nodes and leaves nothing`, async () => {
    const before = await leftovers();
    const reports = join(stateDir, 'reports');
    const { child, done } = startCli([
      'run',
      '--provider',
      testProviders()[0] ?? 'local',
      '--profile',
      'ci',
      '--state-dir',
      stateDir,
      '--reports',
      reports,
    ]);
    let sent = false;
    child.stderr?.on('data', (d: Buffer) => {
      if (!sent && new RegExp(`\\] ${phase}( \\(.*\\))?: started`).test(d.toString())) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), Math.floor(Math.random() * 300));
      }
    });
    const result = await done;
    expect(sent).toBe(true);
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/SIGINT: cleaning up/);
    expect(await leftovers()).toEqual(before);
    await rm(reports, { recursive: true, force: true });
  });
});
