import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readState, stateEndpoints } from '../../harness/state/state-file.ts';
import { type CliResult, exec, projectRoot, runCli } from '../support/cli.ts';
import { query } from '../support/sql.ts';
import { suiteConfigFile } from '../support/suite-config.ts';

/**
 * Cases a user would write (test/cases/), rehearsed from the command line as a user runs
 * them, at the suite's size (the tiny profile) on the local provider: a change that passes, one that parity must
 * catch, and one that declares the failure it rehearses (issue 31).
 */
const caseDir = (name: string) => join(projectRoot, 'test/cases', name);
let work: string;
let suiteConfig: string;

interface RunDoc {
  migration: { outcome: string; phases: Array<{ name: string; status: string }> };
  checks: Array<{ name: string; passed: boolean; summary: string; evidence: Record<string, unknown> }>;
  verdict: string;
}

async function rehearseCase(name: string, extra: string[] = []): Promise<{ run: CliResult; doc: RunDoc }> {
  const reports = join(work, `reports-${name}`);
  const run = await runCli([
    'run',
    caseDir(name),
    '--provider',
    'local',
    '--config',
    suiteConfig,
    '--reports',
    reports,
    ...extra,
  ]);
  const dir = /report: (.+)\/index\.html/.exec(run.stdout)?.[1];
  if (!dir) throw new Error(`no report in the output (exit ${run.code}): ${run.stderr.slice(-2000)}`);
  return { run, doc: JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunDoc };
}

const check = (doc: RunDoc, name: string) => doc.checks.find((c) => c.name === name);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'shardmove-case-runs-'));
  // What the suite shortens of every rehearsal, as a config file the CLI layers.
  suiteConfig = await suiteConfigFile(work);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('my-change: the article plus an index, an own table and function, an own workload of two scripts', () => {
  let run: CliResult;
  let doc: RunDoc;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = join(work, 'state');
    ({ run, doc } = await rehearseCase('my-change', ['--keep', '--state-dir', stateDir]));
  });
  afterAll(async () => {
    expect((await runCli(['down', '--state-dir', stateDir])).code).toBe(0);
  });

  it('passes, running and naming the steps the case wrote', () => {
    expect(run.code, run.stdout).toBe(0);
    expect(doc.verdict).toBe('pass');
    const steps = doc.migration.phases.map((p) => [p.name, p.status]);
    expect(steps).toContainEqual(['copy orders', 'ok']);
    expect(steps).toContainEqual(['index last_login', 'ok']);
    expect(run.stdout).toMatch(/index last_login +[\d.]+ s {2}ok/);
  });

  it('leaves the index on new, and the own table there with its rows', async () => {
    const { nodes } = await keptNodes(stateDir);
    const [index] = await query<{ n: number }>(
      nodes.new.endpoint,
      'db23',
      `select count(*)::int n from pg_indexes where schemaname = 'digoal' and indexname = 'session_last_login'`,
    );
    expect(index?.n).toBe(1);
    const [orders] = await query<{ n: number }>(
      nodes.new.endpoint,
      'db23',
      'select count(*)::int n from digoal.orders',
    );
    expect(orders?.n).toBeGreaterThan(0);
  });

  it('compares the own table in parity, and says which tables it compared', () => {
    const parity = check(doc, 'parity');
    expect(parity?.passed, parity?.summary).toBe(true);
    const tables = (parity?.evidence.report as { tables: Array<{ table: string }> } | undefined)?.tables.map(
      (t) => t.table,
    );
    expect(tables).toEqual(['userinfo', 'session', 'tbl_small', 'login_log', 'orders']);
    expect(parity?.summary).toContain('orders');
  });

  it("counts the user's scripts' writes in the ledger (the only writers: builtinWriters false)", () => {
    const ledger = check(doc, 'no acknowledged write lost');
    expect(ledger?.passed, ledger?.summary).toBe(true);
    expect(ledger?.evidence.acknowledged).toBeGreaterThan(0);
    const rejection = check(doc, 'write rejection');
    expect(rejection?.passed, rejection?.summary).toBe(true);
    expect(rejection?.evidence.rejections).toBeGreaterThan(0);
  });

  it('runs the same two script files under pgbench itself, with their weights', async () => {
    const { nodes, proxyDatabase } = await keptNodes(stateDir);
    const proxy = nodes.proxy.endpoint;
    const bench = await exec(
      'pgbench',
      [
        '-n',
        '-M',
        'prepared',
        '-c',
        '2',
        '-t',
        '20',
        '-f',
        `${caseDir('my-change')}/workload/log.sql@3`,
        '-f',
        `${caseDir('my-change')}/workload/order.sql@1`,
        '-h',
        proxy.host,
        '-p',
        String(proxy.port),
        '-U',
        proxy.user,
        proxyDatabase,
      ],
      { env: { ...process.env, PGPASSWORD: proxy.password?.reveal() ?? '' } },
    );
    expect(bench.stdout).toMatch(/number of transactions actually processed: 40\/40/);
    expect(bench.stdout).toMatch(/SQL script 1: .*log\.sql\n - weight: 3/);
    expect(bench.stdout).toMatch(/SQL script 2: .*order\.sql\n - weight: 1/);
  });
});

async function keptNodes(stateDir: string) {
  const state = await readState(stateDir);
  if (!state) throw new Error(`no kept topology in ${stateDir}`);
  return { nodes: await stateEndpoints(state), proxyDatabase: state.proxyDatabase };
}

describe('copy-leaves-out-tbl-small: a copy of the case that forgets a table', () => {
  it('fails on parity, naming the table, and rolls the move back', async () => {
    const { run, doc } = await rehearseCase('copy-leaves-out-tbl-small');
    expect(run.code).toBe(1);
    expect(doc.verdict).toBe('fail');
    const parity = check(doc, 'parity');
    expect(parity?.passed).toBe(false);
    expect(parity?.summary).toMatch(/parity failed: tbl_small differ/);
    expect(doc.migration.outcome).toBe('rolled-back');
    expect(run.stdout).toMatch(/FAIL parity: parity failed: tbl_small differ/);
  });
});

describe('no-freeze: a procedure without its freeze, declaring what that costs', () => {
  it('loses acknowledged writes and parity, as declared, and exits 0', async () => {
    const { run, doc } = await rehearseCase('no-freeze');
    expect(run.code, run.stdout).toBe(0);
    const lost = check(doc, 'no acknowledged write lost');
    expect(lost?.passed).toBe(false);
    expect(Number((lost?.evidence as { missing?: number } | undefined)?.missing)).toBeGreaterThan(0);
    const parity = check(doc, 'parity');
    expect(parity?.passed).toBe(false);
    expect(parity?.summary).toMatch(
      /the procedure has no parity step: compared by the harness after the move: .*login_log/,
    );
    expect(run.stdout).toMatch(/expected failure/);
  });
});
