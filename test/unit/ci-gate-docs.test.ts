import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/** The example pipeline users copy runs the commands the docs give, word for word. */
const root = new URL('../../', import.meta.url).pathname;

/** The `run:` commands of a GitHub Actions workflow (single-line ones: all this example has). */
function runCommands(yaml: string): string[] {
  return [...yaml.matchAll(/^\s*(?:-\s+)?run:\s*(.+)$/gm)].map((m) => (m[1] ?? '').trim());
}

describe('the example CI pipeline', () => {
  it('runs setup and the gate exactly as docs/ci-gate.md gives them, on a baseline that exists', async () => {
    const yaml = await readFile(`${root}docs/examples/github-actions.yml`, 'utf8');
    const commands = runCommands(yaml);
    expect(commands).toHaveLength(2);
    const doc = await readFile(`${root}docs/ci-gate.md`, 'utf8');
    const block = /## The pipeline[\s\S]*?```sh\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    expect(block.trim().split('\n')).toEqual(commands);
    expect(commands[1]).toMatch(/^npx shardmove run seed-db23 --profile ci .*--baseline (\S+)/);
    const baseline = /--baseline (\S+)/.exec(commands[1] ?? '')?.[1] ?? '';
    const readme = await readFile(`${root}README.md`, 'utf8');
    expect(readme).toContain(commands[1]);
    expect(yaml).toContain('uses: actions/upload-artifact@v4');
    expect(baseline).toBe('fixtures/baselines/seed-db23-ci');
  });
});
