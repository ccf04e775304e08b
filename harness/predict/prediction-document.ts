import { metricCatalog } from '../config/threshold-expression.ts';
import type { BuildInfo } from '../report/build-info.ts';
import type { RunDocument } from '../report/run-document.ts';
import { median } from '../util/median.ts';
import type { Interval, Point } from './fit-line.ts';
import type { MetricPrediction, StrategyPrediction } from './predict-move.ts';
import type { SweptMetric } from './sweep-points.ts';

/** Bumped on any change a reader of prediction.json would notice; the schema file carries the same number. */
export const predictionSchemaVersion = 1;
export const predictionSchemaId = `https://shardmove.invalid/schema/prediction-v${predictionSchemaVersion}.json`;

/** One metric or phase of a strategy, as fitted against the moved shard's rows. */
export interface PredictedMetric {
  readonly name: string;
  readonly unit: string;
  readonly better: 'lower' | 'higher';
  readonly runs: number;
  readonly trend: MetricPrediction['trend'];
  /** The line's slope per 1M rows on the moved shard, with its 95% interval. */
  readonly slopePerMillionRows?: Interval;
  readonly intercept?: number;
  /** The runs' noise around the line, in the metric's unit. */
  readonly residualError?: number;
  readonly measuredFromRows?: number;
  readonly measuredToRows?: number;
  /** At the target's rows, with a 95% interval for one more run there. */
  readonly atTarget?: Interval;
  readonly points: readonly Point[];
}

export interface StrategyPredictionRecord {
  readonly strategy: string;
  readonly runs: number;
  readonly sizes: number;
  /** The target over the largest size measured: above 1 the prediction is an extrapolation. */
  readonly beyondMeasured?: number;
  readonly runIds: readonly string[];
  readonly metrics: readonly PredictedMetric[];
  readonly phases: readonly PredictedMetric[];
  readonly skipped: readonly { readonly runId: string; readonly why: string }[];
}

/**
 * prediction.json: what `predict` fitted, the points it fitted them to, and the host it ran
 * on (its connection cost, which sets every storm's length), so that a prediction can be
 * compared with another (`compare`) and drawn again without the runs.
 */
export interface PredictionDocument {
  readonly $schema: string;
  readonly kind: 'prediction';
  readonly schemaVersion: typeof predictionSchemaVersion;
  readonly writtenAt: string;
  readonly targetRows: number;
  readonly environment: {
    readonly node: string;
    readonly platform: string;
    readonly shardmoveVersion: string;
    readonly gitCommit: string;
    /** A new connection to a shard and its first call, as the runs measured it: median and how many runs. */
    readonly connectionMillis?: { readonly median: number; readonly runs: number };
  };
  readonly strategies: readonly StrategyPredictionRecord[];
}

const perMillion = 1_000_000;

function scaled(i: Interval, by: number): Interval {
  return {
    value: i.value * by,
    ...(i.low === undefined ? {} : { low: i.low * by }),
    ...(i.high === undefined ? {} : { high: i.high * by }),
  };
}

function isSweptMetric(name: string): name is SweptMetric {
  return Object.hasOwn(metricCatalog, name);
}

function record(m: MetricPrediction, kind: 'metric' | 'phase'): PredictedMetric {
  const { unit, better } =
    kind === 'metric' && isSweptMetric(m.metric) ? metricCatalog[m.metric] : { unit: 's', better: 'lower' };
  const fit = m.fit;
  return {
    name: m.metric,
    unit,
    better: better as 'lower' | 'higher',
    runs: m.runs,
    trend: m.trend,
    ...(fit
      ? {
          slopePerMillionRows: scaled(fit.slope, perMillion),
          intercept: fit.intercept,
          ...(fit.residualError === undefined ? {} : { residualError: fit.residualError }),
          measuredFromRows: fit.measuredFrom,
          measuredToRows: fit.measuredTo,
        }
      : {}),
    ...(m.atTarget ? { atTarget: m.atTarget } : {}),
    points: m.points,
  };
}

export function predictionDocument(
  predictions: readonly StrategyPrediction[],
  runs: readonly RunDocument[],
  build: BuildInfo,
): PredictionDocument {
  const costs = runs.flatMap((d) => (d.metrics.connection_ms === undefined ? [] : [d.metrics.connection_ms]));
  return {
    $schema: predictionSchemaId,
    kind: 'prediction',
    schemaVersion: predictionSchemaVersion,
    writtenAt: new Date().toISOString(),
    targetRows: predictions[0]?.targetRows ?? 0,
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      ...build,
      ...(costs.length ? { connectionMillis: { median: median(costs), runs: costs.length } } : {}),
    },
    strategies: predictions.map((p) => ({
      strategy: p.strategy,
      runs: p.runs,
      sizes: p.sizes,
      ...(p.beyondMeasured === undefined ? {} : { beyondMeasured: p.beyondMeasured }),
      runIds: p.runIds,
      metrics: p.metrics.map((m) => record(m, 'metric')),
      phases: p.phases.map((m) => record(m, 'phase')),
      skipped: p.skipped,
    })),
  };
}
