import { describe, expect, it } from 'vitest';
import { fitLine, isFlat, studentT975 } from '../../harness/predict/fit-line.ts';
import { predictionLines } from '../../harness/predict/format-prediction.ts';
import { movedShardRows } from '../../harness/predict/moved-shard-rows.ts';
import { predictMove } from '../../harness/predict/predict-move.ts';
import type { StrategySweep } from '../../harness/predict/sweep-points.ts';

/** A known line, three runs a size, noise that is fixed so the test says the same every time. */
const noise = [0.8, -1.1, 0.3, -0.4, 1.2, -0.6, 0.5, -0.9, 0.2];
const sizes = [250_000, 750_000, 2_500_000];
const line = (x: number) => 4 + 60e-6 * x; // 4 s plus 60 s per million rows
const measured = sizes.flatMap((x, i) => [0, 1, 2].map((k) => ({ x, y: line(x) + (noise[i * 3 + k] ?? 0) })));

describe('fitting a metric against the shard size', () => {
  it('gives back a known line, its slope and a prediction whose 95% intervals hold the truth', () => {
    const fit = fitLine(measured);
    if (!fit) throw new Error('no fit');
    expect(fit.slope.value * 1e6).toBeCloseTo(60, 0);
    expect(fit.slope.low).toBeLessThan(60e-6);
    expect(fit.slope.high).toBeGreaterThan(60e-6);
    const at = fit.at(5_000_000);
    expect(at.low).toBeLessThan(line(5_000_000));
    expect(at.high).toBeGreaterThan(line(5_000_000));
    // Further out, the interval widens.
    const near = fit.at(1_000_000);
    expect((at.high ?? 0) - (at.low ?? 0)).toBeGreaterThan((near.high ?? 0) - (near.low ?? 0));
  });

  it('returns an exact line with no spread when the points lie on it', () => {
    const fit = fitLine(sizes.map((x) => ({ x, y: line(x) })));
    expect(fit?.at(1_000_000)).toEqual({
      value: expect.closeTo(64, 9),
      low: expect.closeTo(64, 9),
      high: expect.closeTo(64, 9),
    });
  });

  it('fits no line to one size, and gives no interval from two points', () => {
    expect(
      fitLine([
        { x: 1, y: 2 },
        { x: 1, y: 3 },
      ]),
    ).toBeUndefined();
    const two = fitLine([
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ]);
    expect(two?.at(5)).toEqual({ value: 6 });
    expect(two?.slope.low).toBeUndefined();
  });

  it("calls a metric flat when its slope's interval holds zero", () => {
    const flat = fitLine(
      sizes.flatMap((x, i) => [0, 1, 2].map((k) => ({ x, y: 0.2 + (noise[i * 3 + k] ?? 0) / 10 }))),
    );
    expect(flat && isFlat(flat)).toBe(true);
    const grows = fitLine(measured);
    expect(grows && isFlat(grows)).toBe(false);
  });

  it("uses Student's t for few runs", () => {
    expect(studentT975(1)).toBe(12.706);
    expect(studentT975(7)).toBe(2.365);
    expect(studentT975(60)).toBeCloseTo(2.0, 1);
  });
});

describe('predicting a move at the target size', () => {
  const sweep: StrategySweep = {
    strategy: 'seed',
    runs: measured.map((p, i) => ({ runId: `r${i}`, rows: p.x })),
    metrics: {
      freeze_window_s: measured,
      freeze_phases_s: measured,
      migration_s: measured,
      others_min_pct: [],
    },
    phases: new Map([
      ['copy', measured],
      ['switch', sizes.flatMap((x, i) => [0, 1, 2].map((k) => ({ x, y: 1 + (noise[i * 3 + k] ?? 0) / 10 })))],
    ]),
    skipped: [{ runId: 'r9', why: 'inconclusive: the baseline missed its rate' }],
  };

  it('reads the fit at the target, says which phases grow and flags an extrapolation', () => {
    const p = predictMove(sweep, 5_000_000);
    expect(p.sizes).toBe(3);
    expect(p.beyondMeasured).toBe(2);
    expect(p.phases.map((m) => [m.metric, m.trend])).toEqual([
      ['copy', 'grows'],
      ['switch', 'flat'],
    ]);
    expect(p.metrics.find((m) => m.metric === 'others_min_pct')?.trend).toBe('unknown');
    const text = predictionLines(p).join('\n');
    expect(text).toMatch(/\*\*Extrapolated\*\*: the target is 2\.0x the largest shard measured/);
    expect(text).toMatch(/Phases that grow with the data: copy; flat within their interval: switch\./);
    expect(text).toMatch(/about 166 s/);
    expect(text).toMatch(/left out: r9: inconclusive/);
  });

  it('never predicts a duration or a share below zero, however the line falls', () => {
    const falling = sizes.flatMap((x, i) =>
      [0, 1, 2].map((k) => ({ x, y: 90 - 40e-6 * x + (noise[i * 3 + k] ?? 0) })),
    );
    const p = predictMove({ ...sweep, metrics: { ...sweep.metrics, others_min_pct: falling } }, 5_000_000);
    const share = p.metrics.find((m) => m.metric === 'others_min_pct');
    expect(share?.trend).toBe('shrinks');
    expect(share?.atTarget?.value).toBe(0);
    expect(share?.atTarget?.low).toBe(0);
  });

  it('does not flag a target inside the measured sizes', () => {
    const text = predictionLines(predictMove(sweep, 1_000_000)).join('\n');
    expect(text).not.toMatch(/Extrapolated/);
  });
});

describe("the moved shard's rows, from a run's config", () => {
  const config = (profile: string, moved?: object) => ({
    seeding: { profile, moved },
    topology: { partitions: 32, movePartition: 23 },
  });
  it('follows the profile, its overrides, and the seed layout at full size', () => {
    expect(movedShardRows(config('ci'))).toBe(250_000);
    expect(movedShardRows(config('default'))).toBe(2_500_000);
    expect(movedShardRows(config('ci', { userinfoRows: 300_000, tblSmallRows: 150_000 }))).toBe(750_000);
    expect(movedShardRows(config('none'))).toBeUndefined();
    expect(movedShardRows({})).toBeUndefined();
  });
});
