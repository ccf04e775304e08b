import { describe, expect, it } from 'vitest';
import { LedgerBuilder } from '../../harness/load/ledger.ts';
import { stallDistribution } from '../../harness/verify/held-stalls.ts';

describe('the stalls of a held switch', () => {
  // A hold from t=1000 to t=1100 (epoch ms), and writes around it: [acknowledged at, latency ms].
  const writes: Array<[number, number]> = [
    [990, 5], // done before the hold: not held
    [1150, 140], // sent at 1010, inside the hold, released after it
    [1120, 300], // sent at 820, before the hold, still waiting in it
    [1300, 150], // sent at 1150, after the release: not the hold's
    [1101, 2], // sent at 1099, inside, quick
  ];
  const builder = new LedgerBuilder(32);
  for (const [at, latency] of writes) builder.acknowledged(23, 23, at, latency);
  const ledger = builder.finish()[23];

  it('counts the writes in flight during the hold, and only those', () => {
    const s = stallDistribution(ledger, 1000, 1100);
    expect(s.calls).toBe(3);
    expect(s.maxMillis).toBe(300);
    expect(s.p50Millis).toBe(140);
    expect(s.p99Millis).toBe(300);
    // Buckets up to 10, 50, 100, 250, 500, ... ms: one each in <=10, 100-250, 250-500.
    expect(s.buckets.slice(0, 5)).toEqual([1, 0, 0, 1, 1]);
    expect(s.buckets.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('says nothing was held when no write was in flight', () => {
    const s = stallDistribution(ledger, 5000, 5100);
    expect([s.calls, s.maxMillis, s.p99Millis]).toEqual([0, 0, 0]);
  });
});
