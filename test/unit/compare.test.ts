import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRuns } from '../../harness/compare/compare-runs.ts';
import { readRunSet } from '../../harness/compare/run-set.ts';
import { readRunDocument } from '../../harness/report/read-run-document.ts';
import type { RunDocument } from '../../harness/report/run-document.ts';
import { runCli } from '../support/cli.ts';
import { writeRunSet } from '../support/run-sets.ts';

const fixture = join(import.meta.dirname, '../../fixtures/report/ci-local-seed/run.json');

let base: RunDocument;
let dir: string;

/** A copy of the committed run with its metrics scaled, as a repeated run would differ. */
function variant(runId: string, scale: Partial<Record<string, number>>): RunDocument {
  const d = structuredClone(base);
  d.runId = runId;
  for (const [metric, factor] of Object.entries(scale)) {
    const m = d.metrics as Record<string, number>;
    if (m[metric] !== undefined && factor !== undefined) m[metric] = Number((m[metric] * factor).toFixed(3));
  }
  return d;
}

const writeSet = (name: string, docs: RunDocument[]) => writeRunSet(dir, name, docs);

const noisy = (prefix: string, factors: number[], metric = 'freeze_window_s') =>
  factors.map((f, i) => variant(`${prefix}-${i}`, { [metric]: f, p99_ms: 2 - f }));

beforeAll(async () => {
  base = await readRunDocument(fixture);
  dir = await mkdtemp(join(tmpdir(), 'shardmove-compare-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a side of a comparison', () => {
  it('reads each run once: the `latest` link of a reports directory is the same run again', async () => {
    const set = await writeSet('with-latest', [variant('r-1', {}), variant('r-2', {})]);
    await symlink('r-2', join(set, 'latest'));
    expect((await readRunSet(set)).map((d) => d.runId)).toEqual(['r-1', 'r-2']);
  });
});

describe('compare', () => {
  it('ignores a change inside the noise band of repeated runs', () => {
    const c = compareRuns(noisy('b', [0.95, 1, 1.05]), noisy('c', [1.02, 1.08, 1.12]), 0.1);
    expect(c.metrics.find((m) => m.metric === 'freeze_window_s')?.status).toBe('within noise');
    expect(c.regressed).toBe(false);
  });

  it('flags a planted regression: every candidate run slower than every baseline run by more than the tolerance', () => {
    const c = compareRuns(noisy('b', [0.95, 1, 1.05]), noisy('c', [1.3, 1.35, 1.4]), 0.1);
    const freeze = c.metrics.find((m) => m.metric === 'freeze_window_s');
    expect(freeze?.status).toBe('regressed');
    expect(freeze?.change).toBeGreaterThan(0.25);
    expect(c.regressed).toBe(true);
  });

  it('does not call an overlap a regression, however far the means are apart', () => {
    const c = compareRuns(noisy('b', [0.7, 1, 1.3]), noisy('c', [1.25, 1.5, 1.6]), 0.1);
    expect(c.metrics.find((m) => m.metric === 'freeze_window_s')?.status).toBe('within noise');
  });

  it('counts higher-is-better metrics the other way round', () => {
    const c = compareRuns(noisy('b', [1, 1.02], 'tps'), noisy('c', [0.7, 0.72], 'tps'), 0.1);
    expect(c.metrics.find((m) => m.metric === 'tps')?.status).toBe('regressed');
    const better = compareRuns(noisy('b', [1, 1.02], 'tps'), noisy('c', [1.5, 1.6], 'tps'), 0.1);
    expect(better.metrics.find((m) => m.metric === 'tps')?.status).toBe('improved');
  });

  it('flags a check that held in every baseline run and fails in a candidate', () => {
    const failing = variant('c-0', {});
    const parity = failing.checks.find((c) => c.name === 'parity');
    if (!parity) throw new Error('fixture has no parity check');
    (parity as { passed: boolean }).passed = false;
    const c = compareRuns([base], [failing], 0.1);
    expect(c.checks.find((k) => k.check === 'parity')?.regressed).toBe(
      !!base.checks.find((k) => k.name === 'parity')?.passed,
    );
  });

  it('exits 1 on the regression and 0 inside the noise, from run directories on disk', async () => {
    const baseline = await writeSet('baseline', noisy('b', [0.95, 1, 1.05]));
    const same = await writeSet('same', noisy('s', [1.02, 1.08, 1.12]));
    const slower = await writeSet('slower', noisy('r', [1.3, 1.35, 1.4]));
    const ok = await runCli(['compare', baseline, same]);
    expect(ok.stdout).toMatch(/^freeze_window_s .* within noise$/m);
    expect(ok.code).toBe(0);
    const bad = await runCli(['compare', baseline, slower, '--markdown']);
    expect(bad.stdout).toMatch(
      /^\| freeze_window_s \(s, lower is better\) \| [\d.]+\.\.[\d.]+ \(3\) \| [\d.]+\.\.[\d.]+ \(3\) \| \+\d+\.\d% \| regressed \|$/m,
    );
    expect(bad.code).toBe(1);
    const wide = await runCli(['compare', baseline, slower, '--tolerance', '0.5']);
    expect(wide.code).toBe(0);
    // Three CLI processes: on a busy 2-core machine that outlasts vitest's 5 s default.
  }, 60_000);

  it('never takes an inconclusive run as a baseline, nor counts one as a regression', async () => {
    const unsound = (d: RunDocument) => {
      d.verdict = 'inconclusive';
      d.validity = { conclusive: false, reasons: ['baseline: rate not held'], advice: [] };
      return d;
    };
    const slowButUnsound = noisy('u', [3, 3.1]).map(unsound);
    const c = compareRuns(noisy('b', [0.95, 1, 1.05]), slowButUnsound, 0.1);
    expect(c.regressed).toBe(false);
    expect(c.excluded.candidate).toEqual(['u-0', 'u-1']);
    const mixed = compareRuns(
      [...noisy('b', [0.95, 1]), ...noisy('x', [5]).map(unsound)],
      noisy('c', [1.3, 1.35]),
      0.1,
    );
    expect(mixed.excluded.baseline).toEqual(['x-0']);
    expect(mixed.metrics.find((m) => m.metric === 'freeze_window_s')?.status).toBe('regressed');
    const onlyUnsound = await writeSet('unsound', noisy('v', [1, 1.1]).map(unsound));
    const same = await writeSet('same-again', noisy('s', [1, 1.05]));
    const r = await runCli(['compare', onlyUnsound, same]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no conclusive run in the baseline');
    const listed = await runCli(['compare', same, onlyUnsound]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('left out as inconclusive: v-0 (candidate), v-1 (candidate)');
  }, 60_000);

  it('refuses a file that is not a run.json of this schema, saying why', async () => {
    const bogus = join(dir, 'bogus');
    await mkdir(bogus, { recursive: true });
    await writeFile(join(bogus, 'run.json'), JSON.stringify({ schemaVersion: 0 }));
    const r = await runCli(['compare', bogus, bogus]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has schemaVersion 0; this shardmove reads versions 1 and 2');
  }, 60_000);
});
