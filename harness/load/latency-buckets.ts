/**
 * A per-second latency distribution small enough to keep for every second: log-linear
 * buckets (8 per power of two, so any value is within 12.5% of its bucket's), sparse, keyed
 * by bucket index. Used for p50/p99 per second; whole-run percentiles use HDR histograms.
 */
export type LatencyBuckets = Record<number, number>;

const subBits = 3;

export function bucketOf(micros: number): number {
  const v = Math.max(1, Math.round(micros));
  const exponent = 31 - Math.clz32(v);
  if (exponent < subBits) return v;
  return (exponent - subBits + 1) * (1 << subBits) + ((v >>> (exponent - subBits)) & ((1 << subBits) - 1));
}

/** The middle of a bucket, microseconds. */
export function bucketValue(index: number): number {
  const size = 1 << subBits;
  if (index < size) return index;
  const exponent = Math.floor(index / size) + subBits - 1;
  const sub = index % size;
  const low = (size + sub) * 2 ** (exponent - subBits);
  return low + 2 ** (exponent - subBits) / 2;
}

export function addToBuckets(buckets: LatencyBuckets, micros: number): void {
  const b = bucketOf(micros);
  buckets[b] = (buckets[b] ?? 0) + 1;
}

export function mergeBuckets(into: LatencyBuckets, from: LatencyBuckets): void {
  for (const [k, n] of Object.entries(from)) {
    const b = Number(k);
    into[b] = (into[b] ?? 0) + n;
  }
}

/** The value at percentile p (0..100), microseconds; undefined when empty. */
export function bucketPercentile(buckets: LatencyBuckets, p: number): number | undefined {
  const entries = Object.entries(buckets)
    .map(([k, n]) => [Number(k), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((n, [, c]) => n + c, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [b, n] of entries) {
    seen += n;
    if (seen >= rank) return bucketValue(b);
  }
  return undefined;
}
