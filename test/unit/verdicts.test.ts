import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../harness/config/load-config.ts';
import { parseRate } from '../../harness/config/rate-spec.ts';
import { ConfigError } from '../../harness/errors.ts';
import { aggregateLine, progressLine } from '../../harness/load/pgbench-format.ts';
import { Recorder } from '../../harness/load/recorder.ts';
import type { LoadResult } from '../../harness/load/run-load.ts';
import { sumPartitions } from '../../harness/load/samples.ts';
import { calibrate } from '../../harness/rehearsal/calibration.ts';
import { steadyState } from '../../harness/rehearsal/steady-state.ts';
import { type BaselineEvidence, baselineValidity, warmupValidity } from '../../harness/rehearsal/validity.ts';
import { readsCheck } from '../../harness/verify/checks.ts';
import { dip, recoverySeconds } from '../../harness/verify/tps-recovery.ts';
import { conclusive, exitCodeOf, outcomes, verdictOf } from '../../harness/verify/verdict.ts';

const criteria = { windowSeconds: 3, tolerance: 0.15 };

describe('steady state', () => {
  it('is not reached while throughput still ramps up (connections still being opened)', () => {
    expect(steadyState([100, 200, 300, 400, 500, 600], criteria).steady).toBe(false);
  });
  it('is reached when two windows agree and no second of the last strays', () => {
    const r = steadyState([50, 900, 1000, 980, 1020, 1010, 990, 1000], criteria);
    expect(r.steady).toBe(true);
    expect(r.tps).toBeCloseTo(1000, 0);
  });
  it('is not reached with a storm inside the last window', () => {
    expect(steadyState([1000, 1000, 1000, 1000, 200, 1000], criteria).steady).toBe(false);
  });
  it('needs two full windows, and throughput above zero', () => {
    expect(steadyState([1000, 1000, 1000], criteria).steady).toBe(false);
    expect(steadyState([0, 0, 0, 0, 0, 0], criteria).steady).toBe(false);
  });
});

describe('calibration', () => {
  it('reads a rate as calls per second or as a share of capacity', () => {
    expect(parseRate('40%')).toEqual({ kind: 'capacity-share', share: 0.4 });
    expect(parseRate(500)).toEqual({ kind: 'absolute', tps: 500 });
    expect(parseRate('1500')).toEqual({ kind: 'absolute', tps: 1500 });
    for (const bad of ['0%', '150%', 'fast', '-3', '', '0'])
      expect(() => parseRate(bad)).toThrow(ConfigError);
  });
  it('schedules the asked share of the measured capacity, split over the groups by weight', () => {
    const c = calibrate(parseRate('40%'), 3000, 4, [15, 2, 2]);
    expect(c.rateTps).toBeCloseTo(1200);
    expect(c.groupRates.map((r) => Math.round(r))).toEqual([947, 126, 126]);
    expect(c.groupRates.reduce((a, b) => a + b, 0)).toBeCloseTo(1200);
    expect(c.how).toContain('40% of capacity');
  });
  it('keeps an absolute rate as asked, whatever the capacity', () => {
    const c = calibrate(parseRate(20000), 3000, 4, [1]);
    expect(c.rateTps).toBe(20000);
    expect(c.capacityTps).toBe(3000);
  });
  it('is validated at the edge: a bad rate in a config layer names the key', async () => {
    await expect(loadConfig({ flags: { rehearsal: { rate: 'lots' } } })).rejects.toThrow(/rehearsal\.rate/);
    const { config } = await loadConfig({ flags: { rehearsal: { rate: '25%' } } });
    expect(config.rehearsal.rate).toBe('25%');
  });
});

function fakeLoad(seconds: LoadResult['seconds'], start = 1_000_000): LoadResult {
  return {
    startEpochMillis: start,
    endEpochMillis: start + seconds.length * 1000 + 500,
    seconds,
    errors: { samples: [], unsampled: 0 },
  } as unknown as LoadResult;
}

describe('skip accounting (open loop with a latency limit)', () => {
  const start = 1_000_000;
  it('counts a skipped call in the second it was due, by partition and script, never as failed or ok', () => {
    const r = new Recorder(start, 32);
    r.skipped('query_pk', 23 + 32 * 5, start + 1200);
    r.skipped('insert_log', 7, start + 1300);
    r.ok('query_pk', 23, start + 2100, start + 2050);
    const [s0, s1, s2] = r.drain(10);
    expect(s0?.second).toBe(1);
    expect(s0?.skipped).toBe(2);
    expect(s0?.partitions[23]?.skipped).toBe(1);
    expect(s0?.partitions[7]?.skipped).toBe(1);
    expect(s0?.scripts.query_pk?.skipped).toBe(1);
    expect(s0?.scripts.query_pk?.ok).toBe(0);
    expect(sumPartitions(s0 ?? (s2 as never), () => true).ok).toBe(0);
    expect(s1?.scripts.query_pk?.ok).toBe(1);
    expect(s1?.skipped).toBe(0);
    // pgbench's formats carry it: the progress line's `N skipped` and the aggregate log's last column.
    expect(progressLine(s0 as never, 1, { rate: true, latencyLimit: true })).toMatch(/, 2 skipped$/);
    const all = sumPartitions(s0 as never, () => true);
    expect(aggregateLine(1, all, s0?.lag, s0?.skipped).split(' ').at(-1)).toBe('2');
  });

  it('reports a second whose reads were all skipped as such: not failed, not missing', () => {
    const r = new Recorder(start, 32);
    for (let s = 0; s < 4; s++) {
      if (s === 2) {
        r.skipped('query_pk', 23, start + s * 1000 + 10);
        r.skipped('query_smalltbl', 55, start + s * 1000 + 20);
      } else {
        r.ok('query_pk', 23, start + s * 1000 + 30, start + s * 1000 + 10);
        r.ok('query_smalltbl', 55, start + s * 1000 + 40, start + s * 1000 + 20);
      }
    }
    const check = readsCheck(fakeLoad(r.drain(10), start));
    expect(check.passed, check.summary).toBe(true);
    expect(check.evidence.secondsAllSkipped).toEqual([2]);
    expect(check.evidence.secondsWithoutReads).toEqual([]);
    expect(check.evidence.skipped).toBe(2);
    expect(check.summary).toContain('every read was skipped');
  });

  it('still fails a second in which reads were due and neither served nor skipped', () => {
    const r = new Recorder(start, 32);
    for (const s of [0, 1, 3]) r.ok('query_pk', 23, start + s * 1000 + 30, start + s * 1000 + 10);
    r.reconnected(start + 2500);
    const check = readsCheck(fakeLoad(r.drain(10), start));
    expect(check.passed).toBe(false);
    expect(check.evidence.secondsWithoutReads).toEqual([2]);
    // From the baseline on: a warm-up second before it is not judged.
    expect(readsCheck(fakeLoad(r.drain(10), start), 3).evidence.secondsWithoutReads).toEqual([]);
  });
});

describe('recovery arithmetic', () => {
  const series = [100, 100, 100, 100, 10, 0, 20, 60, 95, 100, 100, 100];
  it('counts the seconds from the event until a whole window is back at the ratio', () => {
    // Windows from second 4: 10, 26, 58, 85, 98: back with the window of seconds 8-10, which ends 7 s after the event.
    expect(recoverySeconds(series, 4, 100, 0.9, 3)).toBe(7);
    expect(recoverySeconds(series, 4, 100, 0.9, 1)).toBe(5);
    expect(recoverySeconds([100, 0, 0, 0], 1, 100, 0.9, 1)).toBeUndefined();
  });
  it('measures the dip: lowest window share and seconds below the ratio', () => {
    const d = dip(series, 0, series.length, 100, 0.9, 3);
    expect(d.lowestShare).toBeCloseTo(0.1, 5);
    expect(d.secondsBelow).toBe(6);
    expect(d.lowestAtSecond).toBe(4);
    expect(dip([100, 100, 100, 100], 0, 4, 100, 0.9, 3)).toEqual({
      lowestShare: 1,
      secondsBelow: 0,
      lowestAtSecond: 0,
    });
  });
});

const baseline = (over: Partial<BaselineEvidence> = {}): BaselineEvidence => ({
  startedAt: 0,
  endedAt: 8000,
  startSecond: 20,
  endSecond: 28,
  scheduledTps: 1000,
  achievedTps: 998,
  movedTps: 100,
  othersTps: 898,
  meanLagMillis: 2,
  skipped: 0,
  skippedShare: 0,
  generator: { threads: 1, eventLoopDelayP99Millis: 5, eventLoopUtilization: 0.3, limited: false },
  ...over,
});
const limits = { minRateRatio: 0.9, maxMeanLagMillis: 100, maxSkippedShare: 0.01 };
const calibration = calibrate(parseRate(1000), 2500, 4, [1]);

describe('validity', () => {
  it('takes a baseline that held its rate as conclusive', () => {
    expect(baselineValidity(baseline(), calibration, limits)).toEqual(conclusive);
  });
  it('calls a baseline that could not hold the rate inconclusive, with the capacity and what to change', () => {
    const v = baselineValidity(
      baseline({
        scheduledTps: 20000,
        achievedTps: 400,
        meanLagMillis: 900,
        skipped: 3000,
        skippedShare: 0.4,
      }),
      calibrate(parseRate(20000), 2500, 4, [1]),
      limits,
    );
    expect(v.conclusive).toBe(false);
    expect(v.reasons[0]).toMatch(/served 400 of 20000 tps scheduled .* capacity measured 2500 tps/);
    expect(v.reasons.some((r) => r.includes('behind their schedule'))).toBe(true);
    expect(v.reasons.some((r) => r.includes('skipped under the latency limit'))).toBe(true);
    expect(v.advice.join(' ')).toContain('--rate 40%');
  });
  it('calls a saturated generator inconclusive', () => {
    const v = baselineValidity(
      baseline({
        generator: { threads: 1, eventLoopDelayP99Millis: 80, eventLoopUtilization: 0.97, limited: true },
      }),
      calibration,
      limits,
    );
    expect(v.conclusive).toBe(false);
    expect(v.reasons[0]).toContain('generator was saturated');
  });
  it('calls a warm-up that never got steady, or never primed every client, inconclusive', () => {
    const w = {
      startedAt: 0,
      endedAt: 1,
      clients: 38,
      primedClients: 38,
      connectionsOpened: 1216,
      steady: true,
      tps: 3000,
      maxSeconds: 240,
    };
    expect(warmupValidity(w).conclusive).toBe(true);
    expect(warmupValidity({ ...w, steady: false }).reasons[0]).toContain('not steady after 240 s');
    expect(warmupValidity({ ...w, primedClients: 12 }).reasons[0]).toContain('only 12 of 38 clients');
  });
});

describe('expected outcomes and exit codes', () => {
  const checks = [
    { name: 'parity' as const, passed: true },
    { name: 'tps recovery' as const, passed: false },
  ];
  const thresholds = [{ expression: 'others_min_pct >= 90', passed: false }];

  it('passes when every outcome is as declared: an expected failure that fails is as declared', () => {
    const judged = outcomes(checks, thresholds, {
      'tps recovery': 'the storm',
      'others_min_pct >= 90': 'the dip',
    });
    expect(judged.map((o) => o.asExpected)).toEqual([true, true, true]);
    expect(judged[1]?.note).toBe('expected failure: the storm');
    const verdict = verdictOf(conclusive, judged, true);
    expect(verdict).toBe('pass');
    expect(exitCodeOf(verdict)).toBe(0);
  });
  it('fails on an unexpected failure', () => {
    const judged = outcomes(checks, thresholds, { 'others_min_pct >= 90': 'the dip' });
    const verdict = verdictOf(conclusive, judged, true);
    expect(verdict).toBe('fail');
    expect(exitCodeOf(verdict)).toBe(1);
  });
  it('fails on an unexpected pass: the weakness is gone, and the scenario must say so', () => {
    const judged = outcomes(checks, thresholds, { parity: 'parity was expected to fail' });
    expect(judged[0]?.asExpected).toBe(false);
    expect(judged[0]?.note).toMatch(/^unexpected pass: the weakness is gone/);
    expect(verdictOf(conclusive, judged, true)).toBe('fail');
  });
  it('fails a run that was not sound (old not dropped, a rollback) even when every outcome is as declared', () => {
    expect(verdictOf(conclusive, outcomes([{ name: 'parity', passed: true }], [], {}), false)).toBe('fail');
  });
  it('is inconclusive, exit 3, whatever the outcomes, when the run could not measure', () => {
    const verdict = verdictOf({ conclusive: false, reasons: ['x'], advice: [] }, [], true);
    expect(verdict).toBe('inconclusive');
    expect(exitCodeOf(verdict)).toBe(3);
  });
  it('refuses an expectation that names neither a check nor a threshold of the scenario (a typo expects nothing)', async () => {
    await expect(loadConfig({ flags: { expectedFailures: { 'tps recovry': 'typo' } } })).rejects.toThrow(
      /neither a check nor one of the thresholds/,
    );
    const { config } = await loadConfig({ scenario: 'seed-db23' });
    expect(Object.keys(config.expectedFailures)).toEqual(['others_min_pct >= 90']);
  });
});
