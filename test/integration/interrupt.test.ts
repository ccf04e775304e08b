import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.ts';
import { addedSince, leftovers } from '../support/leftovers.ts';
import { testProviders } from '../support/providers.ts';
import { lifecycleOnly, suiteConfigFile } from '../support/suite-config.ts';

let stateDir: string;
let work: string;
let suiteConfig: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'shardmove-test-state-'));
  work = await mkdtemp(join(tmpdir(), 'shardmove-test-interrupt-'));
  suiteConfig = await suiteConfigFile(work, lifecycleOnly);
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
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
    'warm-up',
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

  const startRun = (reports: string) =>
    startCli([
      'run',
      '--provider',
      testProviders()[0] ?? 'local',
      // As the suite's other rehearsals: fewer writers, shorter warm-ups and storms.
      '--config',
      suiteConfig,
      '--state-dir',
      stateDir,
      '--reports',
      reports,
    ]);
  const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const;

  it.each(['SIGINT', 'SIGTERM'] as const)(
    `%s once "${phase}" started stops the load and the nodes and leaves nothing`,
    async (signal) => {
      const before = await leftovers();
      const reports = join(stateDir, 'reports');
      const { child, done } = startRun(reports);
      let sent = false;
      child.stderr?.on('data', (d: Buffer) => {
        if (!sent && new RegExp(`\\] ${phase}( \\(.*\\))?: started`).test(d.toString())) {
          sent = true;
          setTimeout(() => child.kill(signal), Math.floor(Math.random() * 300));
        }
      });
      const result = await done;
      expect(sent).toBe(true);
      expect(result.code).toBe(exitCodes[signal]);
      expect(result.stderr).toContain(`${signal}: cleaning up`);
      expect(await leftovers()).toEqual(before);
      await rm(reports, { recursive: true, force: true });
    },
  );

  it(`after a SIGKILL once "${phase}" started, down --all sweeps what was left`, async () => {
    const before = await leftovers();
    const reports = join(stateDir, 'reports');
    const { child, done } = startRun(reports);
    child.stderr?.on('data', (d: Buffer) => {
      if (new RegExp(`\\] ${phase}( \\(.*\\))?: started`).test(d.toString())) child.kill('SIGKILL');
    });
    expect((await done).signal).toBe('SIGKILL');
    const left = await leftovers();
    // A killed process cannot clean up: its nodes are still there.
    expect([...left.postmasters, ...left.containers].length).toBeGreaterThan(0);
    // Another namespace's sweep (another pipeline on this machine) leaves them alone.
    const elsewhere = await runCli(['down', '--all'], { SHARDMOVE_NAMESPACE: 'another-pipeline' });
    expect(elsewhere.code).toBe(0);
    expect(await leftovers()).toEqual(left);
    const sweep = await runCli(['down', '--all']);
    expect(sweep.code).toBe(0);
    expect(addedSince(before, await leftovers())).toEqual({
      dirs: [],
      postmasters: [],
      containers: [],
      networks: [],
    });
    await rm(reports, { recursive: true, force: true });
  });
});
