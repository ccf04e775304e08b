import { type Moments, mean, stddev } from './moments.ts';
import type { LoadResult } from './run-load.ts';
import {
  emptySecond,
  failedTotal,
  mergeSecond,
  type OutcomeCounts,
  type SecondSample,
  sumPartitions,
} from './samples.ts';
import { type ScriptName, scriptCatalog } from './scripts.ts';

/** Merges consecutive seconds into one interval (for -P N and --aggregate-interval N). */
export function mergeInterval(samples: readonly SecondSample[], partitions: number): SecondSample {
  const out = emptySecond(samples[0]?.second ?? 0, partitions);
  for (const s of samples) mergeSecond(out, s);
  return out;
}

/**
 * pgbench -P's line: `progress: 5.0 s, 7853.2 tps, lat 3.340 ms stddev 6.056, 0 failed`,
 * with `, lag X ms` under a rate and `, N skipped` under a latency limit.
 */
export function progressLine(
  sample: SecondSample,
  intervalSeconds: number,
  options: { rate: boolean; latencyLimit: boolean },
): string {
  const all = sumPartitions(sample, () => true);
  const elapsed = (sample.second + intervalSeconds).toFixed(1);
  let line =
    `progress: ${elapsed} s, ${(all.ok / intervalSeconds).toFixed(1)} tps, ` +
    `lat ${(mean(all.latency) / 1000).toFixed(3)} ms stddev ${(stddev(all.latency) / 1000).toFixed(3)}, ${failedTotal(all)} failed`;
  if (options.rate) line += `, lag ${(mean(sample.lag) / 1000).toFixed(3)} ms`;
  if (options.rate && options.latencyLimit) line += `, ${sample.skipped} skipped`;
  return line;
}

/**
 * One line of pgbench --aggregate-interval's log: interval_start num_transactions sum_latency
 * sum_latency_2 min_latency max_latency failures [sum_lag sum_lag_2 min_lag max_lag
 * [skipped]], latencies in microseconds, interval_start in epoch seconds.
 */
export function aggregateLine(
  intervalStartEpochSeconds: number,
  all: OutcomeCounts,
  lag: Moments | undefined,
  skipped: number | undefined,
): string {
  const lat = all.latency;
  const cols = [
    intervalStartEpochSeconds,
    all.ok,
    Math.round(lat.sum),
    Math.round(lat.sumSq),
    lat.n ? Math.round(lat.min) : 0,
    Math.round(lat.max),
    failedTotal(all),
  ];
  if (lag) {
    cols.push(
      Math.round(lag.sum),
      Math.round(lag.sumSq),
      lag.n ? Math.round(lag.min) : 0,
      Math.round(lag.max),
    );
    if (skipped !== undefined) cols.push(skipped);
  }
  return cols.join(' ');
}

export function aggregateLogLines(
  result: LoadResult,
  intervalSeconds: number,
  partitions: number,
  rate: boolean,
  latencyLimit: boolean,
): string[] {
  const lines: string[] = [];
  for (let i = 0; i < result.seconds.length; i += intervalSeconds) {
    const interval = mergeInterval(result.seconds.slice(i, i + intervalSeconds), partitions);
    const start = Math.floor(result.startEpochMillis / 1000) + interval.second;
    lines.push(
      aggregateLine(
        start,
        sumPartitions(interval, () => true),
        rate ? interval.lag : undefined,
        rate && latencyLimit ? interval.skipped : undefined,
      ),
    );
  }
  return lines;
}

/** pgbench -r's per-statement report, with HDR percentiles pgbench does not have. */
export function scriptReport(result: LoadResult): string[] {
  const lines = ['statement latencies in milliseconds and failures:'];
  for (const [name, p] of Object.entries(result.latency.byScript)) {
    const failures = result.seconds.reduce(
      (n, s) => n + (s.scripts[name] ? failedTotal(s.scripts[name]) : 0),
      0,
    );
    lines.push(
      `  ${p.meanMillis.toFixed(3).padStart(9)}  ${String(failures).padStart(7)}  ${scriptCatalog[name as ScriptName]?.sql.replace('$1', ':id') ?? `script ${name}`};` +
        `   p50 ${p.p50Millis.toFixed(3)} p90 ${p.p90Millis.toFixed(3)} p99 ${p.p99Millis.toFixed(3)} p99.9 ${p.p999Millis.toFixed(3)} max ${p.maxMillis.toFixed(3)}`,
    );
  }
  return lines;
}
