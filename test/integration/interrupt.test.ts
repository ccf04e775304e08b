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
