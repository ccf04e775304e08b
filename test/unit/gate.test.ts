import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparisonLines } from '../../harness/compare/format-comparison.ts';
import { gate, readBaseline } from '../../harness/compare/gate.ts';
import { type MetricName, metricCatalog } from '../../harness/config/threshold-expression.ts';
import { readRunDocument } from '../../harness/report/read-run-document.ts';
import type { RunDocument } from '../../harness/report/run-document.ts';

/** The CI gate (run --baseline): a recorded seed-db23 run at the ci profile as baseline and candidate. */
const recorded = new URL('../../fixtures/report/ci-local-seed/run.json', import.meta.url).pathname;
let work: string;
let candidate: RunDocument;

/** The same run with every metric 30% better, as an edited baseline would claim. */
function thirtyPercentBetter(doc: RunDocument): RunDocument {
  const metrics = Object.fromEntries(
    Object.entries(doc.metrics).map(([name, v]) => {
      const entry = metricCatalog[name as MetricName];
      if (typeof v !== 'number' || !entry) return [name, v];
      return [name, entry.better === 'lower' ? v * 0.7 : v * 1.3];
    }),
  );
  return { ...doc, metrics } as RunDocument;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'shardmove-gate-'));
  candidate = await readRunDocument(recorded);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the CI gate', () => {
  it('passes a run against a baseline of itself', async () => {
    const baseline = await readBaseline(recorded);
    const { comparison, mismatch } = gate(baseline, [candidate], 0.1);
    expect(mismatch).toBeUndefined();
    expect(comparison.regressed).toBe(false);
    expect(comparisonLines(comparison, 'text').at(-1)).toMatch(/^no regression/);
  });

  it('fails the same run against a baseline edited to be 30% better, naming what moved', async () => {
    const edited = join(work, 'better.json');
    await writeFile(
      edited,
      JSON.stringify(thirtyPercentBetter(JSON.parse(await readFile(recorded, 'utf8')))),
    );
    const { comparison } = gate(await readBaseline(edited), [candidate], 0.1);
    expect(comparison.regressed).toBe(true);
    const moved = comparison.metrics.filter((m) => m.status === 'regressed').map((m) => m.metric);
    expect(moved).toContain('freeze_window_s');
    expect(moved).toContain('tps');
    const lines = comparisonLines(comparison, 'text');
    expect(lines.find((l) => l.startsWith('freeze_window_s'))).toMatch(/regressed/);
    expect(lines.at(-1)).toMatch(/^REGRESSION/);
  });

  it('refuses a baseline of another case, and one with no conclusive run', async () => {
    const other = { ...candidate, scenario: 'copy-db23' } as RunDocument;
    expect(gate([other], [candidate], 0.1).mismatch).toBe(
      'the baseline is of case copy-db23, profile ci, provider local, this run of case seed-db23, profile ci, provider local',
    );
    const dir = join(work, 'inconclusive');
    await cp(join(recorded, '..'), dir, { recursive: true });
    const doc = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
    await writeFile(join(dir, 'run.json'), JSON.stringify({ ...doc, verdict: 'inconclusive' }));
    await expect(readBaseline(dir)).rejects.toThrow(/holds no conclusive run/);
  });
});

describe.each([
  ['seed-db23-ci', 'seed-db23'],
  ['logical-db23-hold-ci', 'logical-db23-hold'],
])('the committed baseline users copy (fixtures/baselines/%s)', (dir, scenario) => {
  const committed = new URL(`../../fixtures/baselines/${dir}`, import.meta.url).pathname;

  it(`holds three conclusive runs of ${scenario} at the ci profile, and passes each of them`, async () => {
    const baseline = await readBaseline(committed);
    expect(baseline).toHaveLength(3);
    expect(
      baseline.every(
        (d) =>
          d.scenario === scenario &&
          (d.config as { seeding: { profile: string } }).seeding.profile === 'ci' &&
          d.verdict !== 'inconclusive',
      ),
    ).toBe(true);
    for (const run of baseline) {
      const { comparison, mismatch } = gate(baseline, [run], 0.1);
      expect(mismatch).toBeUndefined();
      expect(comparison.regressed).toBe(false);
    }
  });

  it('fails each of its runs against the same baseline edited to be 30% better', async () => {
    const baseline = await readBaseline(committed);
    const better = baseline.map(thirtyPercentBetter);
    for (const run of baseline) expect(gate(better, [run], 0.1).comparison.regressed).toBe(true);
  });
});
