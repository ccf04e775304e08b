import { type ErrorClass, errorClasses } from './error-class.ts';
import { type LatencyBuckets, mergeBuckets } from './latency-buckets.ts';
import { emptyMoments, type Moments, mergeMoments } from './moments.ts';

export interface OutcomeCounts {
  ok: number;
  failed: Record<ErrorClass, number>;
  indeterminate: number;
  /**
   * Open loop with a latency limit: calls already later than the limit when their turn came,
   * never sent (pgbench -L). Neither failed nor succeeded; counted by the second they were due.
   */
  skipped: number;
  /** Latency of successful calls, microseconds. */
  latency: Moments;
  /** The same latencies as a sparse log-linear distribution, for percentiles per second. */
  buckets: LatencyBuckets;
}

/** One second of the run, on the run's clock (second 0 starts at the run's start). */
export interface SecondSample {
  second: number;
  /** Indexed by partition (id & (partitions-1)). */
  partitions: OutcomeCounts[];
  scripts: Record<string, OutcomeCounts>;
  /**
   * Successful calls per script by the second they were due (scheduled, under a rate; sent,
   * otherwise), however late they came back: whether each second's calls were served.
   */
  servedByDue: Record<string, number>;
  /** Open loop only: start delay behind the Poisson schedule, microseconds. */
  lag: Moments;
  skipped: number;
  reconnects: number;
  /** Clients that finished priming (a call to every partition) in this second. */
  primed: number;
}

export function emptyCounts(): OutcomeCounts {
  return {
    ok: 0,
    failed: Object.fromEntries(errorClasses.map((c) => [c, 0])) as Record<ErrorClass, number>,
    indeterminate: 0,
    skipped: 0,
    latency: emptyMoments(),
    buckets: {},
  };
}

export function emptySecond(second: number, partitions: number): SecondSample {
  return {
    second,
    partitions: Array.from({ length: partitions }, emptyCounts),
    scripts: {},
    servedByDue: {},
    lag: emptyMoments(),
    skipped: 0,
    reconnects: 0,
    primed: 0,
  };
}

export function mergeCounts(into: OutcomeCounts, from: OutcomeCounts): void {
  into.ok += from.ok;
  for (const c of errorClasses) into.failed[c] += from.failed[c];
  into.indeterminate += from.indeterminate;
  into.skipped += from.skipped;
  mergeMoments(into.latency, from.latency);
  mergeBuckets(into.buckets, from.buckets);
}

export function mergeSecond(into: SecondSample, from: SecondSample): void {
  from.partitions.forEach((p, i) => {
    const target = into.partitions[i];
    if (target) mergeCounts(target, p);
  });
  for (const [name, counts] of Object.entries(from.scripts)) {
    into.scripts[name] ??= emptyCounts();
    mergeCounts(into.scripts[name], counts);
  }
  for (const [name, n] of Object.entries(from.servedByDue))
    into.servedByDue[name] = (into.servedByDue[name] ?? 0) + n;
  mergeMoments(into.lag, from.lag);
  into.skipped += from.skipped;
  into.reconnects += from.reconnects;
  into.primed += from.primed;
}

/** Sum over a set of partitions (the moved one, or the others). */
export function sumPartitions(sample: SecondSample, include: (partition: number) => boolean): OutcomeCounts {
  const total = emptyCounts();
  sample.partitions.forEach((p, i) => {
    if (include(i)) mergeCounts(total, p);
  });
  return total;
}

export function failedTotal(c: OutcomeCounts): number {
  return errorClasses.reduce((n, k) => n + c.failed[k], 0) + c.indeterminate;
}

/** Successful calls per second of the run (index = second) over a set of partitions. */
export function okPerSecond(
  seconds: readonly SecondSample[],
  include: (partition: number) => boolean,
): number[] {
  const out: number[] = [];
  for (const s of seconds) {
    let ok = 0;
    s.partitions.forEach((p, i) => {
      if (include(i)) ok += p.ok;
    });
    out[s.second] = ok;
  }
  for (let i = 0; i < out.length; i++) out[i] ??= 0;
  return out;
}
