import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePredictions } from '../../harness/compare/compare-predictions.ts';
import { predictMove } from '../../harness/predict/predict-move.ts';
import { predictionDocument } from '../../harness/predict/prediction-document.ts';
import { readPredictionAt } from '../../harness/predict/prediction-file.ts';
import { sweepPoints } from '../../harness/predict/sweep-points.ts';
import { readRunDocument } from '../../harness/report/read-run-document.ts';
import type { RunDocument } from '../../harness/report/run-document.ts';
import { runCli } from '../support/cli.ts';
import { pngFacts } from '../support/png.ts';
import { writeRunSet } from '../support/run-sets.ts';

const fixture = join(import.meta.dirname, '../../fixtures/report/ci-local-seed/run.json');
const build = { shardmoveVersion: 'test', gitCommit: 'test' };

/** Fixed noise, so that the test says the same every time. */
const noise = [0.8, -1.1, 0.3, -0.4, 1.2, -0.6];
const shares = [0.2, 0.6, 1];

let base: RunDocument;
let dir: string;

/**
 * A seed sweep of the committed run: two rounds at three sizes of the `ci` profile's moved
 * shard (50k, 150k, 250k rows), its freeze window and refresh phase on a known line of
 * `perMillion` seconds per 1M rows, the switch flat.
 */
function sweep(prefix: string, perMillion: number): RunDocument[] {
  return [0, 1].flatMap((round) =>
    shares.map((share, i) => {
      const d = structuredClone(base);
      const rows = 250_000 * share;
      const wobble = noise[round * 3 + i] ?? 0;
      d.runId = `${prefix}-${round}-${i}`;
      const config = d.config as { seeding: Record<string, unknown> };
      config.seeding.moved = { userinfoRows: 100_000 * share, tblSmallRows: 50_000 * share };
      const freeze = 5 + (perMillion * rows) / 1e6 + wobble;
      d.metrics.freeze_window_s = freeze;
      d.metrics.connection_ms = 20 + round;
      const phases = d.migration.phases.map((p) => {
        if (p.status === 'not-run') return p;
        const seconds = p.name === 'refresh' ? freeze - 4 : p.name === 'switch' ? 0.5 + wobble / 10 : 0.2;
        return { ...p, endedAt: p.startedAt + seconds * 1000 };
      });
      Object.assign(d.migration, { phases });
      return d;
    }),
  );
}

beforeAll(async () => {
  base = await readRunDocument(fixture);
  dir = await mkdtemp(join(tmpdir(), 'shardmove-prediction-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the prediction document', () => {
  it('carries each fit with its points and the host’s connection cost', () => {
    const predictions = sweepPoints(sweep('a', 200)).map((s) => predictMove(s, 2_500_000));
    const doc = predictionDocument(predictions, sweep('a', 200), build);
    const [seed] = doc.strategies;
    const freeze = seed?.metrics.find((m) => m.name === 'freeze_window_s');
    expect(freeze?.points).toHaveLength(6);
    expect(freeze?.slopePerMillionRows?.value).toBeCloseTo(200, -1);
    expect(freeze?.slopePerMillionRows?.low).toBeLessThan(200);
    expect(freeze?.slopePerMillionRows?.high).toBeGreaterThan(200);
    expect(freeze?.unit).toBe('s');
    expect(seed?.beyondMeasured).toBe(10);
    expect(seed?.phases.find((p) => p.name === 'switch')?.trend).toBe('flat');
    expect(doc.environment.connectionMillis).toEqual({ median: 21, runs: 6 });
  });
});

describe('comparing two predictions', () => {
  const predict = (docs: RunDocument[]) =>
    predictionDocument(
      sweepPoints(docs).map((s) => predictMove(s, 250_000)),
      docs,
      build,
    );

  it('calls a freeze that grows twice as fast a regression, and the same sweep again none', () => {
    const baseline = predict(sweep('a', 200));
    const slower = comparePredictions(baseline, predict(sweep('b', 400)), 0.1);
    expect(slower.regressed).toBe(true);
    const freeze = slower.entries.find((e) => e.name === 'freeze_window_s');
    expect(freeze?.status).toBe('regressed');
    expect(freeze?.change).toBeGreaterThan(0.5);
    expect(slower.entries.find((e) => e.name === 'switch')?.status).toBe('within noise');
    const same = comparePredictions(baseline, predict(sweep('c', 200)), 0.1);
    expect(same.regressed).toBe(false);
    expect(
      comparePredictions(predict(sweep('b', 400)), baseline, 0.1).entries.find(
        (e) => e.name === 'freeze_window_s',
      )?.status,
    ).toBe('improved');
  });

  it('cannot judge a side without an interval, and refuses predictions for different shards', () => {
    const baseline = predict(sweep('a', 200));
    // One round: three points, one of them dropped: two points leave no noise to measure.
    const thin = predict(sweep('t', 400).slice(0, 2));
    const c = comparePredictions(baseline, thin, 0.1);
    expect(c.entries.find((e) => e.name === 'freeze_window_s')?.status).toBe('unknown');
    expect(c.regressed).toBe(false);
    expect(() => comparePredictions(baseline, { ...baseline, targetRows: 1 }, 0.1)).toThrow(
      /different shards/,
    );
  });
});

describe('shardmove predict and compare on the files', () => {
  it('writes prediction.json, prediction.md and the chart; compare reads two and exits 1 on a regression', async () => {
    const a = await writeRunSet(dir, 'sweep-a', sweep('a', 200));
    const b = await writeRunSet(dir, 'sweep-b', sweep('b', 400));
    const predicted = await runCli(['predict', a, '--out', a, '--target-profile', 'ci']);
    expect(predicted.stderr).toBe('');
    expect(predicted.code).toBe(0);
    expect(predicted.stdout).toMatch(/written: .*prediction\.json/);
    expect((await runCli(['predict', b, '--out', b, '--target-profile', 'ci'])).code).toBe(0);

    const doc = await readPredictionAt(join(a, 'prediction.json'));
    expect(doc?.targetRows).toBe(250_000);
    expect(await readFile(join(a, 'prediction.md'), 'utf8')).toMatch(/\| freeze_window_s \| 6 \|/);
    const png = await readFile(join(a, 'freeze-window.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
    const facts = await pngFacts(png);
    expect([facts.width, facts.height]).toEqual([1100, 520]);
    // The seed runs and line (red) and the interval at the target are drawn, not only axes.
    expect(facts.colouredPixels).toBeGreaterThan(1000);

    const regressed = await runCli(['compare', a, b]);
    expect(regressed.code).toBe(1);
    expect(regressed.stdout).toMatch(/seed\s+freeze_window_s \(s, lower is better\).*regressed/);
    expect(regressed.stdout).toMatch(/^REGRESSION/m);
    const same = await runCli(['compare', join(a, 'prediction.json'), a]);
    expect(same.code).toBe(0);

    // A prediction is compared with a prediction, never with a run.
    const mixed = await runCli(['compare', a, join(b, 'b-0-0')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/is a prediction and the other side is not/);
  });
});
