/** One measurement: x (the moved shard's rows), y (a metric of that run). */
export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Interval {
  readonly value: number;
  /** 95% bounds; absent when the points cannot say (fewer than three, so no spread to measure). */
  readonly low?: number;
  readonly high?: number;
}

/** y = intercept + slope * x, fitted by least squares, with what the spread of the points allows to say of it. */
export interface LineFit {
  readonly points: number;
  readonly slope: Interval;
  readonly intercept: number;
  /** The residuals' standard error: the runs' noise around the line, in y's unit. */
  readonly residualError: number | undefined;
  readonly measuredFrom: number;
  readonly measuredTo: number;
  /** The value at x, with a 95% prediction interval for one more run there. */
  at(x: number): Interval;
}

/** Student's t, two-sided 95%, for 1..30 degrees of freedom. */
const t975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function studentT975(degreesOfFreedom: number): number {
  // Past 30 the table's tail is within 0.3% of 1.96 + 2.5/df.
  return t975[degreesOfFreedom - 1] ?? 1.96 + 2.5 / degreesOfFreedom;
}

/**
 * Least squares over the points. Undefined when the x's do not spread (one size measured):
 * a slope needs two sizes; an interval needs a third point to measure the noise.
 */
export function fitLine(points: readonly Point[]): LineFit | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  if (sxx === 0) return undefined;
  const slope = points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0) / sxx;
  const intercept = meanY - slope * meanX;
  const df = n - 2;
  const residualError =
    df > 0 ? Math.sqrt(points.reduce((s, p) => s + (p.y - intercept - slope * p.x) ** 2, 0) / df) : undefined;
  const t = df > 0 ? studentT975(df) : undefined;
  const bounds = (value: number, halfWidth: number | undefined): Interval =>
    halfWidth === undefined ? { value } : { value, low: value - halfWidth, high: value + halfWidth };
  const xs = points.map((p) => p.x);
  return {
    points: n,
    slope: bounds(
      slope,
      t === undefined || residualError === undefined ? undefined : (t * residualError) / Math.sqrt(sxx),
    ),
    intercept,
    residualError,
    measuredFrom: Math.min(...xs),
    measuredTo: Math.max(...xs),
    at(x) {
      const value = intercept + slope * x;
      if (t === undefined || residualError === undefined) return { value };
      return bounds(value, t * residualError * Math.sqrt(1 + 1 / n + (x - meanX) ** 2 / sxx));
    },
  };
}

/** Whether the slope's interval holds zero: the metric does not measurably grow with the shard. */
export function isFlat(fit: LineFit): boolean {
  const { low, high } = fit.slope;
  return low !== undefined && high !== undefined && low <= 0 && high >= 0;
}
