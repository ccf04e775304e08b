import { fitLine, type Interval, isFlat, type LineFit, type Point } from './fit-line.ts';
import { type StrategySweep, type SweptMetric, sweptMetrics } from './sweep-points.ts';

export interface MetricPrediction {
  readonly metric: string;
  /** Runs that measured it. */
  readonly runs: number;
  readonly fit: LineFit | undefined;
  /** At the target's rows; absent when no line could be fitted. */
  readonly atTarget?: Interval;
  /** grows / flat: the slope's 95% interval above zero / holding zero; unknown: fewer than three runs over two sizes. */
  readonly trend: 'grows' | 'shrinks' | 'flat' | 'unknown';
  /** What was measured: the moved shard's rows, the metric in that run. */
  readonly points: readonly Point[];
}

export interface StrategyPrediction {
  readonly strategy: string;
  readonly targetRows: number;
  readonly runs: number;
  readonly runIds: readonly string[];
  readonly sizes: number;
  /** The target over the largest size measured: above 1 the prediction is an extrapolation. */
  readonly beyondMeasured: number | undefined;
  readonly metrics: readonly MetricPrediction[];
  readonly phases: readonly MetricPrediction[];
  readonly skipped: StrategySweep['skipped'];
}

function trendOf(fit: LineFit | undefined): MetricPrediction['trend'] {
  if (!fit || fit.slope.low === undefined || fit.slope.high === undefined) return 'unknown';
  if (isFlat(fit)) return 'flat';
  return fit.slope.value > 0 ? 'grows' : 'shrinks';
}

/** Every swept metric is a duration or a share: below zero is the line's, not the metric's. */
function nonNegative(i: Interval): Interval {
  const floor = (v: number | undefined) => (v === undefined ? undefined : Math.max(0, v));
  const low = floor(i.low);
  const high = floor(i.high);
  return {
    value: Math.max(0, i.value),
    ...(low === undefined ? {} : { low }),
    ...(high === undefined ? {} : { high }),
  };
}

function predictOne(
  metric: string,
  points: readonly { x: number; y: number }[],
  targetRows: number,
): MetricPrediction {
  const fit = fitLine(points);
  const runs = points.length;
  return fit
    ? { metric, runs, fit, atTarget: nonNegative(fit.at(targetRows)), trend: trendOf(fit), points }
    : { metric, runs, fit, trend: 'unknown', points };
}

/** Each metric and phase of a strategy's sweep, fitted against rows and read at the target. */
export function predictMove(sweep: StrategySweep, targetRows: number): StrategyPrediction {
  const rows = sweep.runs.map((r) => r.rows);
  const largest = rows.length ? Math.max(...rows) : undefined;
  return {
    strategy: sweep.strategy,
    targetRows,
    runs: sweep.runs.length,
    runIds: sweep.runs.map((r) => r.runId),
    sizes: new Set(rows).size,
    beyondMeasured: largest ? targetRows / largest : undefined,
    metrics: sweptMetrics.map((m: SweptMetric) => predictOne(m, sweep.metrics[m], targetRows)),
    phases: [...sweep.phases].map(([name, points]) => predictOne(name, points, targetRows)),
    skipped: sweep.skipped,
  };
}
