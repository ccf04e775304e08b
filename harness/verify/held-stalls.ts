import type { PartitionLedger } from '../load/ledger.ts';

/** Upper bounds (ms) of the report's stall buckets; the last bucket is everything above. */
export const stallBucketsMillis = [10, 50, 100, 250, 500, 1000, 2000, 5000] as const;

/** How long the moved partition's writes in flight during a held switch waited for their acknowledgement. */
export interface StallDistribution {
  /** Writes sent before the release and acknowledged after the hold began: the ones it could delay. */
  readonly calls: number;
  readonly p50Millis: number;
  readonly p90Millis: number;
  readonly p99Millis: number;
  readonly maxMillis: number;
  /** Per bucket of stallBucketsMillis (and one above the last): how many of those writes. */
  readonly buckets: readonly number[];
  readonly window: { readonly from: number; readonly until: number };
}

const percentile = (sorted: Float32Array, q: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);

/**
 * The writes the hold could have delayed: acknowledged at or after `from` (the hold) and
 * sent (acknowledgement less latency) at or before `until` (the release). Latency counts
 * from a call's scheduled start, as the open loop measures it.
 */
export function stallDistribution(
  ledger: PartitionLedger | undefined,
  from: number,
  until: number,
): StallDistribution {
  const stalls: number[] = [];
  const at = ledger?.ackedAt ?? new Float64Array(0);
  const latency = ledger?.ackedLatencyMillis ?? new Float32Array(0);
  for (let i = 0; i < at.length; i++) {
    const ackedAt = at[i] ?? 0;
    const millis = latency[i] ?? 0;
    if (ackedAt >= from && ackedAt - millis <= until) stalls.push(millis);
  }
  const sorted = Float32Array.from(stalls).sort();
  const buckets = new Array<number>(stallBucketsMillis.length + 1).fill(0);
  for (const s of sorted) {
    const i = stallBucketsMillis.findIndex((b) => s <= b);
    const bucket = i === -1 ? stallBucketsMillis.length : i;
    buckets[bucket] = (buckets[bucket] ?? 0) + 1;
  }
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    calls: sorted.length,
    p50Millis: round(percentile(sorted, 0.5)),
    p90Millis: round(percentile(sorted, 0.9)),
    p99Millis: round(percentile(sorted, 0.99)),
    maxMillis: round(sorted.length ? (sorted[sorted.length - 1] ?? 0) : 0),
    buckets,
    window: { from, until },
  };
}
