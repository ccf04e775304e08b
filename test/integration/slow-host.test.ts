import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunDocument } from '../../harness/report/read-run-document.ts';
import type { RunDocument } from '../../harness/report/run-document.ts';
import { readState, stateEndpoints } from '../../harness/state/state-file.ts';
import { type CliResult, runCli } from '../support/cli.ts';
import { testProviders } from '../support/providers.ts';
import { databaseNames, loggedWrites, query } from '../support/sql.ts';
import { suiteConfigFile } from '../support/suite-config.ts';

const provider = testProviders()[0] ?? 'local';
/**
 * The host rehearsed: one where a new connection (connect and first call on a shard) costs
 * at least this much, as on the slow machines of this kind. A faster host is topped up with
 * CPU burnt by every new backend (SHARDMOVE_CONNECTION_CPU_MS); a host already that slow is
 * rehearsed as it is, plus a little, so the knob is still exercised. Adding a fixed burn
 * instead would rehearse a host twice as slow as the slowest one on a slow host, and take
 * twice as long. SHARDMOVE_CONNECTION_CPU_MS set by hand is used as given.
 */
const targetConnectionMillis = 60;
const minimumBurnMillis = 5;
let burnMillis: number | undefined;

function burnFor(bareConnectionMillis: number | undefined): number {
  const given = process.env.SHARDMOVE_CONNECTION_CPU_MS;
  if (given) return Number(given);
  if (bareConnectionMillis === undefined) throw new Error("the bare host's connection cost was not measured");
  return Math.max(minimumBurnMillis, Math.round(targetConnectionMillis - bareConnectionMillis));
}

let work: string;
let suiteConfig: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'shardmove-test-slow-'));
  suiteConfig = await suiteConfigFile(work);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/**
 * The seed scenario at the suite's size and writers (test/support/suite-config.ts: storms,
 * and the suite's time, shrink with them), every new backend burning `burn` ms.
 */
function runSeed(args: string[], burn: string): Promise<CliResult> {
  return runCli(['run', 'seed-db23', '--provider', provider, '--config', suiteConfig, ...args], {
    SHARDMOVE_CONNECTION_CPU_MS: burn,
  });
}

async function latest(reports: string): Promise<RunDocument> {
  return readRunDocument(join(reports, 'latest'));
}

describe(`an absolute rate far above what the topology serves (${provider})`, () => {
  let run: CliResult;
  let doc: RunDocument;
  let stateDir: string;

  beforeAll(async () => {
    const reports = join(work, 'too-fast');
    stateDir = join(work, 'state');
    run = await runSeed(
      ['--rate', '200000', '--keep', '--state-dir', stateDir, '--reports', reports],
      // The bare host: what it measures sets the next suite's burn.
      '0',
    );
    doc = await latest(reports);
    burnMillis = burnFor(doc.rehearsal.connectionCost?.medianMillis);
  }, 900_000);
  afterAll(async () => {
    if ((await readdir(stateDir).catch(() => [])).length) await runCli(['down', '--state-dir', stateDir]);
  });

  it('is inconclusive, exit 3, with the reason first and what to change', () => {
    expect(run.code, run.stderr.slice(-2000)).toBe(3);
    expect(doc.verdict).toBe('inconclusive');
    expect(doc.validity.conclusive).toBe(false);
    expect(doc.validity.reasons[0]).toMatch(/^baseline: served \d+ of 200000 tps scheduled/);
    expect(doc.validity.advice.join(' ')).toContain('--rate');
    const lines = run.stdout.split('\n').filter((l) => l.trim());
    expect(lines[0]).toBe('verdict: INCONCLUSIVE');
    expect(lines[1]).toContain('could not measure what it claims');
    expect(lines[2]).toContain('served');
  });

  it('starts no migration and changes nothing: db23 only on old, p23 routed there read-write', async () => {
    expect(doc.migration.outcome).toBe('not-started');
    expect(doc.migration.phases.every((p) => p.status === 'not-run')).toBe(true);
    expect(doc.checks).toEqual([]);
    const state = await readState(stateDir);
    if (!state) throw new Error('run --keep wrote no state');
    const nodes = await stateEndpoints(state);
    expect(await databaseNames(nodes.old.endpoint)).toContain('db23');
    expect(await databaseNames(nodes.new.endpoint)).not.toContain('db23');
    // p23 still leads to old, read-write: a write through the proxy lands there.
    const count = () => loggedWrites(nodes.old.endpoint, 23);
    const before = await count();
    await query(nodes.proxy.endpoint, state.proxyDatabase, 'select insert_log(23)');
    expect(await count()).toBe((before ?? 0) + 1);
  });
});

describe(`a host where a connection costs at least ${targetConnectionMillis} ms (${provider}, topped up with CPU burnt per connection)`, () => {
  let run: CliResult;
  let doc: RunDocument;

  beforeAll(async () => {
    const reports = join(work, 'valid');
    run = await runSeed(['--reports', reports], String(burnMillis));
    doc = await latest(reports);
  }, 900_000);

  it('measures the connection cost it was given, and what one reconnection storm costs', () => {
    const cost = doc.rehearsal.connectionCost;
    expect(cost?.medianMillis).toBeGreaterThan(burnMillis ?? Number.NaN);
    expect(doc.rehearsal.storm?.expectedSeconds).toBeGreaterThan(0);
    expect(doc.metrics.connection_ms).toBe(Number(cost?.medianMillis.toFixed(3)));
  });

  it('warms up until every client reaches every partition and throughput is steady, then calibrates the rate down to what the host can serve', () => {
    const w = doc.rehearsal.warmup;
    expect(w?.primedClients).toBe(w?.clients);
    expect(w?.connectionsOpened).toBe((w?.clients ?? 0) * 32);
    expect(w?.steady).toBe(true);
    const c = doc.rehearsal.calibration;
    expect(c?.asked).toBe('40% of capacity');
    expect(c?.capacityTps).toBeGreaterThan(0);
    expect(c?.rateTps).toBeCloseTo((c?.capacityTps ?? 0) * 0.4, 0);
  });

  it('gives a valid verdict: the baseline held the rate, recovery was measured, outcomes as the scenario declares', () => {
    expect(doc.validity, doc.validity.reasons.join('; ')).toEqual({
      conclusive: true,
      reasons: [],
      advice: [],
    });
    const b = doc.rehearsal.baseline;
    expect(b?.achievedTps).toBeGreaterThanOrEqual(0.9 * (b?.scheduledTps ?? 0));
    const recovery = doc.checks.find((c) => c.name === 'tps recovery');
    expect(recovery?.evidence.movedRecoverySeconds).toBeTypeOf('number');
    expect(recovery?.evidence.othersRecoverySeconds).toBeTypeOf('number');
    expect(doc.rehearsal.settle?.recovered).toBe(true);
    // The same verdict as on a fast host: the data checks hold, the dip is the declared weakness.
    for (const c of doc.checks) expect(c.passed, `${c.name}: ${c.summary}`).toBe(true);
    const dip = doc.outcomes.find((o) => o.name === 'others_min_pct >= 90');
    expect(dip?.expectedFailure).toBeTruthy();
    expect(dip?.asExpected).toBe(true);
    expect(doc.verdict).toBe('pass');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('XFAIL others_min_pct >= 90');
  });
});
