import { describe, expect, it } from 'vitest';
import { Recorder } from '../../harness/load/recorder.ts';
import type { LoadResult } from '../../harness/load/run-load.ts';
import type { MigrationResult } from '../../harness/migrate/run-migration.ts';
import { tpsRecoveryCheck } from '../../harness/verify/checks.ts';
import { runMetrics } from '../../harness/verify/run-metrics.ts';

const start = 1_000_000;
const limits = { ratio: 0.9, withinSeconds: 10, windowSeconds: 3 };

/** A load of `perSecond[s]` calls on p1 (the others) and 10 on p23 (the moved one) each second. */
function load(others: readonly number[]): LoadResult {
  const r = new Recorder(start, 32);
  others.forEach((n, s) => {
    for (let i = 0; i < n; i++) r.ok('insert_log', 1, start + s * 1000 + 10 + i, start + s * 1000 + i);
    for (let i = 0; i < 10; i++) r.ok('insert_log', 23, start + s * 1000 + 20 + i, start + s * 1000 + i);
  });
  return {
    startEpochMillis: start,
    endEpochMillis: start + others.length * 1000 + 500,
    seconds: r.drain(others.length + 1),
    errors: { samples: [], unsampled: 0 },
  } as unknown as LoadResult;
}

const at = (second: number) => start + second * 1000 + 100;
const migration = (freezeSecond: number, switchSecond: number) =>
  ({
    phases: [
      { name: 'freeze', status: 'ok', startedAt: at(freezeSecond), endedAt: at(freezeSecond), evidence: {} },
      { name: 'switch', status: 'ok', startedAt: at(switchSecond), endedAt: at(switchSecond), evidence: {} },
    ],
    rollback: [],
    outcome: 'completed',
  }) as unknown as MigrationResult;

describe('the recovery check, on a recorded second-by-second load', () => {
  //                 baseline 0-4    freeze at 5   switch at 8, back at 10
  const others = [100, 100, 100, 100, 100, 40, 40, 40, 60, 100, 100, 100, 100, 100];

  it('times recovery from the switch and measures the dip from the baseline on', () => {
    const check = tpsRecoveryCheck(load(others), migration(5, 8), 23, {
      baseline: { startSecond: 0, endSecond: 5 },
      limits,
      stormSeconds: 0,
    });
    expect(check.passed, check.summary).toBe(true);
    expect(check.evidence.othersBaseline).toBe(100);
    expect(check.evidence.movedBaseline).toBe(10);
    // Windows from second 8: 60+100+100 = 86.7 (below 90), from 9: 100: back with the window 9-11, 4 s after.
    expect(check.evidence.othersRecoverySeconds).toBe(4);
    expect(check.evidence.othersLowestShare).toBeCloseTo(0.4, 5);
    expect(check.evidence.othersLowestWindowHostBusy).toBeUndefined();
    const metrics = runMetrics({
      freezeWindow: {
        firstRejectionAt: undefined,
        lastRejectionAt: undefined,
        firstAcceptedAfterAt: undefined,
        seconds: undefined,
        rejections: 0,
      },
      migration: migration(5, 8),
      checks: [check],
      load: { tps: 0, latency: { overall: { p50Millis: 1, p99Millis: 2 }, byPartition: [] } },
      partition: 23,
    });
    expect(metrics.others_min_pct).toBe(40);
    expect(metrics.recovery_s).toBe(4);
  });

  it("carries the host's busy share over the others' lowest window, where the host was sampled", () => {
    const busy = others.map((_, s) => (s >= 5 && s <= 7 ? 0.99 : 0.5));
    const check = tpsRecoveryCheck(load(others), migration(5, 8), 23, {
      baseline: { startSecond: 0, endSecond: 5 },
      limits,
      stormSeconds: 0,
      hostBusy: busy,
    });
    expect(check.evidence.othersLowestWindowHostBusy).toBeCloseTo(0.99, 5);
  });

  it('fails when the others are not back within the limit, and says so when the switch never came', () => {
    const never = [100, 100, 100, 100, 100, 40, 40, 40, 40, 40, 40, 40, 40, 40];
    const slow = tpsRecoveryCheck(load(never), migration(5, 8), 23, {
      baseline: { startSecond: 0, endSecond: 5 },
      limits,
      stormSeconds: 0,
    });
    expect(slow.passed).toBe(false);
    expect(slow.evidence.othersRecoverySeconds).toBeUndefined();
    const noSwitch = { ...migration(5, 8), phases: migration(5, 8).phases.slice(0, 1) } as MigrationResult;
    const none = tpsRecoveryCheck(load(others), noSwitch, 23, {
      baseline: { startSecond: 0, endSecond: 5 },
      limits,
      stormSeconds: 0,
    });
    expect([none.passed, none.summary]).toEqual([false, 'the migration did not reach the switch']);
  });
});
