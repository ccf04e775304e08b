/**
 * Every write the proxy acknowledged, by partition and user id, with the time of the
 * acknowledgement (epoch ms); writes whose outcome is unknown kept apart; and when each
 * call that was rejected read-only was sent. After a migration, reconciling the moved partition's entries
 * against login_log on the shard's new home shows whether any acknowledged write was lost.
 */
export interface PartitionLedger {
  ackedIds: number[];
  ackedAt: number[];
  indeterminateIds: number[];
  indeterminateAt: number[];
  rejectedAt: number[];
}

export type WriteLedger = PartitionLedger[];

export function emptyLedger(partitions: number): WriteLedger {
  return Array.from({ length: partitions }, () => ({
    ackedIds: [],
    ackedAt: [],
    indeterminateIds: [],
    indeterminateAt: [],
    rejectedAt: [],
  }));
}

export function mergeLedger(into: WriteLedger, from: WriteLedger): void {
  from.forEach((p, i) => {
    const target = into[i];
    if (!target) return;
    // Loops, not push(...spread): a long run's arrays exceed the engine's argument limit.
    for (const key of ['ackedIds', 'ackedAt', 'indeterminateIds', 'indeterminateAt', 'rejectedAt'] as const) {
      const source = p[key];
      const sink = target[key];
      for (let j = 0; j < source.length; j++) sink.push(source[j] as number);
    }
  });
}

/** Acknowledged writes per user id: the multiset login_log must contain at least. */
export function ackedCounts(ledger: PartitionLedger): Map<number, number> {
  const counts = new Map<number, number>();
  for (const id of ledger.ackedIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}
