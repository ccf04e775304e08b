import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { type Leftovers, leftovers } from '../support/leftovers.ts';

/**
 * A case with bad input is refused before anything is provisioned, with an error that
 * names the file and the line: one test per kind of bad input (issue 31, item 8).
 */
let root: string;
let stateDir: string;
let before: Leftovers;

const goodSteps = [
  '{ "phase": "prepare-new" },',
  '{ "phase": "create-tables" },',
  '{ "phase": "freeze" },',
  '{ "phase": "freeze-barrier" },',
  '{ "phase": "stream-copy" },',
  '{ "phase": "primary-keys" },',
];

/** A case folder whose case.json has `steps` on lines 5.. and `extra` config after them. */
async function writeCaseFolder(name: string, steps: string[], files: Record<string, string> = {}, load = '') {
  const dir = join(root, name);
  await mkdir(join(dir, 'steps'), { recursive: true });
  await mkdir(join(dir, 'scripts'), { recursive: true });
  const text = [
    '{',
    '  "description": "bad input",',
    '  "config": {',
    `    ${load ? `"load": ${load},` : ''}`,
    '    "migration": { "strategy": "copy", "steps": [',
    ...steps.map((s) => `      ${s}`),
    '      { "phase": "switch" }',
    '    ] }',
    '  }',
    '}',
  ].join('\n');
  await writeFile(join(dir, 'case.json'), text);
  for (const [file, body] of Object.entries(files)) await writeFile(join(dir, file), body);
  return dir;
}

async function refused(dir: string): Promise<string> {
  const run = await runCli(['run', dir, '--provider', 'local', '--profile', 'ci', '--state-dir', stateDir]);
  expect(run.code).toBe(2);
  return run.stderr.trim();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'shardmove-cases-'));
  stateDir = join(root, 'state');
  await mkdir(stateDir);
  before = await leftovers();
});

afterAll(async () => {
  // Nothing was provisioned by any of them: no run directory, postmaster, container or state.
  expect(await leftovers()).toEqual(before);
  expect(await readdir(stateDir)).toEqual([]);
  await rm(root, { recursive: true, force: true });
});

describe('a case with bad input, refused before anything is provisioned, naming file and line', () => {
  it('an unknown phase', async () => {
    const dir = await writeCaseFolder('unknown-phase', [...goodSteps, '{ "phase": "frezee" },']);
    expect(await refused(dir)).toMatch(/case\.json:12: unknown phase "frezee"/);
  });

  it('an unknown option of a phase, and of a SQL step', async () => {
    const phase = await writeCaseFolder('unknown-phase-option', [
      ...goodSteps,
      '{ "phase": "parity", "fast": true },',
    ]);
    expect(await refused(phase)).toMatch(/case\.json:12: unknown option 'fast' of the phase parity/);
    const sql = await writeCaseFolder(
      'unknown-step-option',
      [...goodSteps, '{ "name": "x", "sql": "steps/x.sql", "on": "new-shard", "retries": 3 },'],
      { 'steps/x.sql': 'select 1;\n' },
    );
    expect(await refused(sql)).toMatch(/case\.json:12: unknown option 'retries' of a SQL step/);
  });

  it('a missing SQL file, and one that cannot be read', async () => {
    const missing = await writeCaseFolder('missing-sql', [
      ...goodSteps,
      '{ "name": "index", "sql": "steps/nope.sql", "on": "new-shard" },',
    ]);
    expect(await refused(missing)).toMatch(
      /case\.json:12: step 'index': sql "steps\/nope\.sql" does not exist/,
    );
    const unreadable = await writeCaseFolder('unreadable-sql', [
      ...goodSteps,
      '{ "name": "index", "sql": "steps", "on": "new-shard" },',
    ]);
    expect(await refused(unreadable)).toMatch(/case\.json:12: step 'index': sql "steps" cannot be read/);
  });

  it('an unknown placeholder, at its line of the SQL file', async () => {
    const dir = await writeCaseFolder(
      'unknown-placeholder',
      [...goodSteps, '{ "name": "grant", "sql": "steps/grant.sql", "on": "new-shard" },'],
      { 'steps/grant.sql': '-- a grant\n\nGRANT SELECT ON digoal.session TO {{reader_role}};\n' },
    );
    expect(await refused(dir)).toMatch(/steps\/grant\.sql:3: unknown placeholder \{\{reader_role\}\}/);
  });

  it('a path outside the case folder, and a link out of it', async () => {
    const outside = await writeCaseFolder('outside', [
      ...goodSteps,
      '{ "name": "x", "sql": "../../etc/passwd", "on": "new-shard" },',
    ]);
    expect(await refused(outside)).toMatch(
      /case\.json:12: step 'x': sql "\.\.\/\.\.\/etc\/passwd" is outside the case folder/,
    );
    const linked = await writeCaseFolder('linked', [
      ...goodSteps,
      '{ "name": "x", "sql": "steps/link.sql", "on": "new-shard" },',
    ]);
    await symlink('/etc/hostname', join(linked, 'steps/link.sql'));
    expect(await refused(linked)).toMatch(
      /case\.json:12: step 'x': sql "steps\/link\.sql" is a link out of the case folder/,
    );
  });

  it('a script with an unknown meta-command, and with a malformed \\set', async () => {
    const meta = await writeCaseFolder(
      'unknown-meta',
      goodSteps,
      {
        'scripts/a.sql': '\\set uid random(1, 100)\n\\shell echo hi\nselect insert_log(:uid);\n',
      },
      '{ "scripts": ["scripts/a.sql@2"] }',
    );
    expect(await refused(meta)).toMatch(/scripts\/a\.sql:2: unknown meta-command \\shell/);
    const set = await writeCaseFolder(
      'malformed-set',
      goodSteps,
      {
        'scripts/a.sql': '-- comment\n\\set uid random(1, \nselect insert_log(:uid);\n',
      },
      '{ "scripts": ["scripts/a.sql"] }',
    );
    expect(await refused(set)).toMatch(/scripts\/a\.sql:2: malformed \\set uid/);
  });

  it('a script weight that is not a positive whole number', async () => {
    for (const weight of ['0', '-1', '1.5', 'x']) {
      const dir = await writeCaseFolder(
        `weight-${weight}`,
        goodSteps,
        { 'scripts/a.sql': 'select 1;\n' },
        `{ "scripts": ["scripts/a.sql@${weight}"] }`,
      );
      expect(await refused(dir)).toMatch(
        new RegExp(
          `case\\.json:4: the weight in 'scripts/a\\.sql@${weight.replace('.', '\\.')}' must be a positive whole number`,
        ),
      );
    }
  });

  it('a case file that is not valid JSON, at its line', async () => {
    const dir = join(root, 'bad-json');
    await mkdir(dir);
    await writeFile(join(dir, 'case.json'), '{\n  "config": {\n    "load": { "clients": 4, }\n  }\n}\n');
    expect(await refused(dir)).toMatch(/case\.json:3: not valid JSON/);
  });
});
