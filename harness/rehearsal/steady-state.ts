import { mean } from '../verify/tps-recovery.ts';

export interface SteadyCriteria {
  /** Seconds per window: the last window is compared with itself and with the one before. */
  readonly windowSeconds: number;
  /** Largest relative deviation allowed, e.g. 0.15. */
  readonly tolerance: number;
}

export interface SteadyReading {
  readonly steady: boolean;
  /** Mean TPS of the last window. */
  readonly tps: number;
  /** Largest deviation of one second of the last window from its mean, relative. */
  readonly spread: number;
  /** The last window's mean against the one before, relative (positive: still rising). */
  readonly trend: number;
}

/**
 * Throughput is steady when every second of the last window lies within tolerance of the
 * window's mean (no storm in it) and that mean is within tolerance of the window before
 * (no ramp: a warm-up rises for as long as connections are still being opened).
 */
export function steadyState(tps: readonly number[], criteria: SteadyCriteria): SteadyReading {
  const w = criteria.windowSeconds;
  if (tps.length < 2 * w) return { steady: false, tps: mean(tps.slice(-w)), spread: 1, trend: 1 };
  const last = tps.slice(-w);
  const before = tps.slice(-2 * w, -w);
  const m = mean(last);
  const previous = mean(before);
  if (m <= 0) return { steady: false, tps: 0, spread: 1, trend: previous > 0 ? -1 : 0 };
  const spread = Math.max(...last.map((v) => Math.abs(v - m) / m));
  const trend = previous > 0 ? (m - previous) / previous : 1;
  return {
    steady: spread <= criteria.tolerance && Math.abs(trend) <= criteria.tolerance,
    tps: m,
    spread,
    trend,
  };
}
