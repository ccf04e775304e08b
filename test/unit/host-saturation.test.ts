import { describe, expect, it } from 'vitest';
import { parseProcStat } from '../../harness/rehearsal/host-cpu.ts';
import { evaluateThresholds } from '../../harness/verify/run-metrics.ts';
import { windowMax } from '../../harness/verify/tps-recovery.ts';
import { judgedValidity, outcomes, verdictOf } from '../../harness/verify/verdict.ts';

const conclusive = { conclusive: true, reasons: [], advice: [] };

describe('a dip of the other partitions on a host whose cores every node shares', () => {
  it('reads the busy share from /proc/stat, iowait counted as busy (the disk is shared too)', () => {
    const t = parseProcStat('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n');
    expect(t).toEqual({ busy: 200, total: 1000 });
    expect(parseProcStat('')).toBeUndefined();
  });

  it("takes the host's busiest second of the lowest window, skipping seconds no sample covered", () => {
    expect(windowMax([0.2, 0.95, Number.NaN, 0.99, 0.1], 1, 3)).toBeCloseTo(0.99, 5);
    expect(windowMax([0.2, 0.5, 0.6, 0.99], 0, 3)).toBeCloseTo(0.6, 5);
    expect(windowMax([Number.NaN, Number.NaN], 0, 2)).toBeUndefined();
  });

  it('leaves a failed dip threshold unknown when the host was saturated, and judges it when it was not', () => {
    const saturated = evaluateThresholds(['others_min_pct >= 90', 'lost_writes == 0'], {
      others_min_pct: 80,
      others_dip_host_busy_pct: 97,
      lost_writes: 0,
    });
    expect(saturated[0]?.passed).toBe(false);
    expect(saturated[0]?.unknown).toMatch(/97% busy/);
    expect(saturated[1]?.unknown).toBeUndefined();
    const idle = evaluateThresholds(['others_min_pct >= 90'], {
      others_min_pct: 80,
      others_dip_host_busy_pct: 60,
    });
    expect(idle[0]?.unknown).toBeUndefined();
    // A threshold that held is never unknown, and one on another metric never borrows the reason.
    const held = evaluateThresholds(['others_min_pct >= 90', 'p99_ms < 1'], {
      others_min_pct: 95,
      others_dip_host_busy_pct: 99,
      p99_ms: 5,
    });
    expect(held.map((t) => t.unknown)).toEqual([undefined, undefined]);
    // Not measured (an external topology): judged as it is.
    expect(evaluateThresholds(['others_min_pct >= 90'], { others_min_pct: 80 })[0]?.unknown).toBeUndefined();
  });

  it('makes the verdict inconclusive only when the unknown threshold is the only difference', () => {
    const thresholds = evaluateThresholds(['others_min_pct >= 90'], {
      others_min_pct: 80,
      others_dip_host_busy_pct: 97,
    });
    const alone = outcomes([{ name: 'parity', passed: true }], thresholds, {});
    expect(verdictOf(conclusive, alone, true)).toBe('inconclusive');
    expect(alone[1]?.note).toMatch(/^unknown: /);
    const validity = judgedValidity(conclusive, alone);
    expect(validity.conclusive).toBe(false);
    expect(validity.reasons[0]).toMatch(/^others_min_pct >= 90: in the others' lowest window/);
    const withFailure = outcomes([{ name: 'parity', passed: false }], thresholds, {});
    expect(verdictOf(conclusive, withFailure, true)).toBe('fail');
    expect(verdictOf(conclusive, alone, false)).toBe('fail');
    // Declared as an expected failure, it is as declared: the verdict passes.
    const declared = outcomes([{ name: 'parity', passed: true }], thresholds, {
      'others_min_pct >= 90': 'the dip',
    });
    expect(verdictOf(conclusive, declared, true)).toBe('pass');
  });
});
