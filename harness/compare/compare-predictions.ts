import { ConfigError } from '../errors.ts';
import type { Interval } from '../predict/fit-line.ts';
import type { PredictedMetric, PredictionDocument } from '../predict/prediction-document.ts';
import { judgeRanges, relativeChange } from './compare-runs.ts';

/** unknown: a side has no interval (too few runs to measure its noise), so no change can be told from noise. */
export type PredictedStatus = 'regressed' | 'improved' | 'within noise' | 'unknown';

export interface PredictedComparison {
  readonly strategy: string;
  readonly kind: 'metric' | 'phase';
  readonly name: string;
  readonly unit: string;
  readonly better: 'lower' | 'higher';
  readonly baseline: Interval;
  readonly candidate: Interval;
  /** Candidate's value against the baseline's, as a share (0.12 = 12% higher). */
  readonly change: number | undefined;
  readonly status: PredictedStatus;
}

export interface PredictionComparison {
  readonly tolerance: number;
  readonly targetRows: number;
  readonly entries: readonly PredictedComparison[];
  /** Strategies, metrics or phases one side predicted and the other did not. */
  readonly unmatched: readonly string[];
  readonly regressed: boolean;
}

function judge(b: Interval, c: Interval, better: 'lower' | 'higher', tolerance: number, unit: string) {
  if (b.low === undefined || b.high === undefined || c.low === undefined || c.high === undefined)
    return 'unknown' as const;
  // As with runs: the whole candidate interval against the whole baseline one.
  return judgeRanges({ min: b.low, max: b.high }, { min: c.low, max: c.high }, better, tolerance, unit);
}

function matched(
  strategy: string,
  kind: 'metric' | 'phase',
  baseline: readonly PredictedMetric[],
  candidate: readonly PredictedMetric[],
  tolerance: number,
  unmatched: string[],
): PredictedComparison[] {
  const out: PredictedComparison[] = [];
  for (const b of baseline) {
    const c = candidate.find((m) => m.name === b.name);
    if (!c?.atTarget || !b.atTarget) {
      if (b.atTarget || c?.atTarget) unmatched.push(`${strategy} ${kind} ${b.name}`);
      continue;
    }
    out.push({
      strategy,
      kind,
      name: b.name,
      unit: b.unit,
      better: b.better,
      baseline: b.atTarget,
      candidate: c.atTarget,
      change: relativeChange(b.atTarget.value, c.atTarget.value),
      status: judge(b.atTarget, c.atTarget, b.better, tolerance, b.unit),
    });
  }
  for (const c of candidate)
    if (c.atTarget && !baseline.some((b) => b.name === c.name))
      unmatched.push(`${strategy} ${kind} ${c.name}`);
  return out;
}

/**
 * Two predictions at the same target, strategy by strategy: each metric's and phase's value
 * there, a regression only when the candidate's whole 95% interval is worse than the
 * baseline's by more than the tolerance. A prediction is compared at its target, so both
 * must be made for the same rows.
 */
export function comparePredictions(
  baseline: PredictionDocument,
  candidate: PredictionDocument,
  tolerance: number,
): PredictionComparison {
  if (baseline.targetRows !== candidate.targetRows)
    throw new ConfigError(
      `the predictions are for different shards (${baseline.targetRows} and ${candidate.targetRows} rows)`,
      {
        hint: 'make both with the same --target-rows (predict reads the runs again: shardmove predict DIR --target-rows N)',
      },
    );
  const unmatched: string[] = [];
  const entries: PredictedComparison[] = [];
  for (const b of baseline.strategies) {
    const c = candidate.strategies.find((s) => s.strategy === b.strategy);
    if (!c) {
      unmatched.push(`${b.strategy} (baseline only)`);
      continue;
    }
    entries.push(...matched(b.strategy, 'metric', b.metrics, c.metrics, tolerance, unmatched));
    entries.push(...matched(b.strategy, 'phase', b.phases, c.phases, tolerance, unmatched));
  }
  for (const c of candidate.strategies)
    if (!baseline.strategies.some((b) => b.strategy === c.strategy))
      unmatched.push(`${c.strategy} (candidate only)`);
  return {
    tolerance,
    targetRows: baseline.targetRows,
    entries,
    unmatched,
    regressed: entries.some((e) => e.status === 'regressed'),
  };
}
