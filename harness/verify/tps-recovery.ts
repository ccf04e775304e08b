/**
 * Per-second TPS arithmetic shared by the rehearsal (which waits for recovery as it
 * happens) and the checks (which judge it afterwards): one definition of "back".
 */

/** Mean of each `window`-second run starting at i; NaN where the run would pass the end. */
export function movingAverage(values: readonly number[], window: number): number[] {
  return values.map((_, i) => {
    if (i + window > values.length) return Number.NaN;
    let sum = 0;
    for (let j = i; j < i + window; j++) sum += values[j] ?? 0;
    return sum / window;
  });
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Seconds after `fromSecond` until the `window`-second average is back at `ratio` of
 * `baseline`, counted to the end of that window; undefined if it never is in the series.
 * Only windows that start at or after `fromSecond` count: what came before says nothing
 * about recovery from the event.
 */
export function recoverySeconds(
  series: readonly number[],
  fromSecond: number,
  baseline: number,
  ratio: number,
  window: number,
): number | undefined {
  const averages = movingAverage(series, window);
  for (let i = Math.max(0, fromSecond); i < averages.length; i++) {
    const v = averages[i] ?? Number.NaN;
    if (!Number.isNaN(v) && v >= ratio * baseline) return i + window - fromSecond;
  }
  return undefined;
}

export interface Dip {
  /** The lowest `window`-second average over the span, as a share of the baseline (1 = no dip). */
  readonly lowestShare: number;
  /** Seconds in the span whose window average was below `ratio` of the baseline. */
  readonly secondsBelow: number;
  /** The first second of the lowest window (undefined when there was none). */
  readonly lowestAtSecond?: number | undefined;
}

/** How deep and how long the series fell below `ratio` of its baseline in [from, to). */
export function dip(
  series: readonly number[],
  from: number,
  to: number,
  baseline: number,
  ratio: number,
  window: number,
): Dip {
  const averages = movingAverage(series, window);
  let lowest = Number.POSITIVE_INFINITY;
  let lowestAt: number | undefined;
  let below = 0;
  for (let i = Math.max(0, from); i < Math.min(to, averages.length); i++) {
    const v = averages[i] ?? Number.NaN;
    if (Number.isNaN(v)) continue;
    if (v < lowest) {
      lowest = v;
      lowestAt = i;
    }
    if (v < ratio * baseline) below++;
  }
  if (!Number.isFinite(lowest) || baseline <= 0) return { lowestShare: 1, secondsBelow: 0 };
  return { lowestShare: lowest / baseline, secondsBelow: below, lowestAtSecond: lowestAt };
}

/**
 * The largest known value in [from, from + window); undefined when none is known. A window's
 * average dips when one of its seconds starves: whether the host was saturated in any of
 * them is the question, not on average.
 */
export function windowMax(values: readonly number[], from: number, window: number): number | undefined {
  const known = values.slice(from, from + window).filter((v) => Number.isFinite(v));
  return known.length ? Math.max(...known) : undefined;
}
