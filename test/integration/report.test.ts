import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunDocument } from '../../harness/report/read-run-document.ts';
import type { RunDocument } from '../../harness/report/run-document.ts';
import { openKeptTopology } from '../../harness/topology/kept-topology.ts';
import { exitCodeOf } from '../../harness/verify/verdict.ts';
import { type CliResult, runCli } from '../support/cli.ts';
import { leftovers } from '../support/leftovers.ts';
import { pngFacts } from '../support/png.ts';
import { query } from '../support/sql.ts';
import { suiteConfigFile } from '../support/suite-config.ts';

const execFileAsync = promisify(execFile);

let work: string;
let run: CliResult;
let bundle: string;
let doc: RunDocument;
let passwords: string[];
let secretPlaces: Array<[string, string]>;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function pgpassPasswords(text: string): string[] {
  return [
    ...new Set(
      text
        .trim()
        .split('\n')
        .map((line) => line.split(':')[4] ?? ''),
    ),
  ];
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

/** Every process's command line (what `ps -eo args` shows), sampled every 500 ms until stopped. */
function sampleCommandLines(): { stop(): Promise<string> } {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
        const cmd = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
        if (cmd) seen.add(cmd.split('\0').join(' '));
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return [...seen].join('\n');
    },
  };
}

/**
 * Where a kept run could leak its nodes' passwords, but the pgpass file: its output, its
 * state, new db23's catalogs (the seed strategy's FDW user mapping held old's password while
 * it copied), the environment of every process, and every command line seen while it ran.
 */
async function placesBesides(
  pgpass: string,
  stateDir: string,
  run: CliResult,
  commandLines: string,
): Promise<Array<[string, string]>> {
  const places: Array<[string, string]> = [
    ['run stdout', run.stdout],
    ['run stderr', run.stderr],
    ["every process's command line during the run (ps -eo args)", commandLines],
  ];
  for (const file of (await filesUnder(stateDir)).filter((f) => f !== pgpass))
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
  return places;
}

/** One real, short rehearsal at the suite's size, kept so its nodes' password can be read from the pgpass file. */
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'shardmove-test-report-'));
  const before = await leftovers();
  const config = await suiteConfigFile(work);
  const stateDir = join(work, 'state');
  const commandLines = sampleCommandLines();
  run = await runCli([
    'run',
    '--provider',
    'local',
    '--keep',
    '--config',
    config,
    '--state-dir',
    stateDir,
    '--reports',
    join(work, 'reports'),
  ]);
  const sampledCommandLines = await commandLines.stop();
  const pgpass = (await readdir(stateDir)).find((f) => f.endsWith('.pgpass'));
  if (!pgpass) throw new Error(`run --keep wrote no pgpass file:\n${run.stderr}`);
  passwords = pgpassPasswords(await readFile(join(stateDir, pgpass), 'utf8'));
  expect((await leftovers()).postmasters.length).toBe(before.postmasters.length + 3);
  // While the nodes run: every place but the pgpass file that could hold their passwords.
  secretPlaces = await placesBesides(join(stateDir, pgpass), stateDir, run, sampledCommandLines);
  const down = await runCli(['down', '--state-dir', stateDir]);
  expect(down.code).toBe(0);
  expect(await leftovers()).toEqual(before);
  bundle = join(work, 'reports', 'latest');
  doc = await readRunDocument(bundle);
}, 300_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("the bundle of a real run at the suite's size", () => {
  it('exits by the verdict and prints where the report is', () => {
    expect(run.stdout).toMatch(/^verdict: (PASS|FAIL|INCONCLUSIVE)$/m);
    expect(run.code).toBe(exitCodeOf(doc.verdict));
    // At a share of its own measured capacity a topology holds its rate: the run can judge.
    expect(doc.validity, doc.validity.reasons.join('; ')).toEqual({
      conclusive: true,
      reasons: [],
      advice: [],
    });
    expect(run.stdout).toMatch(/^report: .*\/index\.html$/m);
  });

  it('writes a run.json that matches its schema, with the environment it ran on', () => {
    expect(doc.schemaVersion).toBe(2);
    expect(doc.environment.versions.proxy?.postgres).toMatch(/^15\./);
    expect(doc.environment.versions.proxy?.plproxy).toMatch(/^2\.\d+/);
    expect(doc.environment.versions.old?.postgres).toMatch(/^15\./);
    expect(doc.environment.gitCommit).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    expect(doc.environment.settings.proxy).toBeTypeOf('object');
    expect(doc.checks.map((c) => c.name)).toEqual([
      'reads',
      'write rejection',
      'parity',
      'no acknowledged write lost',
      'tps recovery',
      'no stale route',
    ]);
    expect(doc.thresholds.map((t) => t.expression)).toEqual(['lost_writes == 0', 'others_min_pct >= 90']);
    expect(doc.outcomes.map((o) => o.name)).toEqual([
      ...doc.checks.map((c) => c.name),
      ...doc.thresholds.map((t) => t.expression),
    ]);
    expect(doc.load.series.length).toBeGreaterThan(10);
  });

  it("leaves the nodes' passwords nowhere but the pgpass file: output, state, new db23's catalogs, processes, ps", () => {
    expect(passwords.length).toBeGreaterThan(0);
    expect(passwords.every((p) => p.length >= 16)).toBe(true);
    const hits = secretPlaces
      .filter(([, text]) => passwords.some((p) => text.includes(p)))
      .map(([where]) => where);
    expect(secretPlaces.length).toBeGreaterThan(3);
    // The sample saw the run and its nodes: a password on a command line would be in it.
    const commandLines = secretPlaces.find(([where]) =>
      where.startsWith("every process's command line"),
    )?.[1];
    expect(commandLines).toMatch(/shardmove\.js run --provider local --keep/);
    expect(commandLines).toMatch(/postgres -D \S+shardmove-sm-/);
    expect(hits).toEqual([]);
  });

  it('never writes the nodes password to the bundle or the terminal', async () => {
    expect(passwords.length).toBeGreaterThan(0);
    const files = await filesUnder(join(work, 'reports'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const password of passwords) {
      expect(password.length).toBeGreaterThanOrEqual(16);
      expect(run.stdout + run.stderr).not.toContain(password);
      for (const file of files) {
        const content = await readFile(file);
        expect(content.includes(password), file).toBe(false);
      }
    }
  });

  it('shows the verdict and every chart, drawn and non-empty, in headless Chromium', async () => {
    const page = `file://${join(bundle, 'index.html')}`;
    const profile = join(work, 'chromium');
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      `--user-data-dir=${profile}`,
      '--virtual-time-budget=5000',
    ];
    const { stdout: dom } = await execFileAsync('chromium', [...flags, '--dump-dom', page], {
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(dom).toMatch(
      new RegExp(`id="verdict"[^>]*data-verdict="${doc.verdict}"[^>]*>${doc.verdict.toUpperCase()}<`),
    );
    for (const chart of ['tps', 'latency', 'errors', 'phases']) {
      // Set by the page once the browser has decoded the image: a broken one says "no".
      expect(dom, chart).toMatch(new RegExp(`<figure data-chart="${chart}" data-rendered="1100x420">`));
    }
    const shot = join(work, 'page.png');
    await execFileAsync(
      'chromium',
      [...flags, '--hide-scrollbars', '--window-size=1200,3600', `--screenshot=${shot}`, page],
      {
        timeout: 60_000,
      },
    );
    const facts = await pngFacts(await readFile(shot));
    expect(facts.width).toBe(1200);
    // Four charts of curves and bars in colour, far beyond what the text and tables hold.
    expect(facts.colouredPixels).toBeGreaterThan(8000);
  });

  it('renders the same report again from run.json alone', async () => {
    const again = join(work, 'again');
    const r = await runCli(['report', bundle, '--out', again]);
    expect(r.code).toBe(0);
    expect(await readFile(join(again, 'report.md'), 'utf8')).toBe(
      await readFile(join(bundle, 'report.md'), 'utf8'),
    );
    expect(await readFile(join(again, 'aggregate.log'), 'utf8')).toBe(
      await readFile(join(bundle, 'aggregate.log'), 'utf8'),
    );
  });
});
