/**
 * Every write the proxy acknowledged, by partition and user id, with the time of the
 * acknowledgement (epoch ms); writes whose outcome is unknown kept apart; and when each
 * call that was rejected read-only was sent. After a migration, reconciling the moved
 * partition's entries against login_log on the shard's new home shows whether any
 * acknowledged write was lost.
 *
 * Stored compactly, because a long load acknowledges millions of writes: 16 bytes per
 * acknowledged write (an Int32 id, a Float64 time, a Float32 latency), in typed arrays that double as they
 * fill (so at most 32 while one is filling), handed from a generator thread to the main
 * thread without a copy. A day at 1,000 acknowledged writes a second is about 1.4 GB;
 * `load` prints nothing but counts, and a rehearsal lasts minutes.
 */
export interface PartitionLedger {
  readonly ackedIds: Int32Array;
  readonly ackedAt: Float64Array;
  /** Each acknowledged write's latency (ms, from its scheduled start as pgbench -R counts it): a held switch's stalls. */
  readonly ackedLatencyMillis: Float32Array;
  readonly indeterminateIds: Int32Array;
  readonly indeterminateAt: Float64Array;
  readonly rejectedAt: Float64Array;
}

export type WriteLedger = PartitionLedger[];

type Column =
  | 'ackedIds'
  | 'ackedAt'
  | 'ackedLatencyMillis'
  | 'indeterminateIds'
  | 'indeterminateAt'
  | 'rejectedAt';
const columns: readonly Column[] = [
  'ackedIds',
  'ackedAt',
  'ackedLatencyMillis',
  'indeterminateIds',
  'indeterminateAt',
  'rejectedAt',
];
const isId = (c: Column) => c.endsWith('Ids');
type ColumnArray = Int32Array | Float64Array | Float32Array;
const emptyColumn = (c: Column, length = 0): ColumnArray =>
  isId(c)
    ? new Int32Array(length)
    : c === 'ackedLatencyMillis'
      ? new Float32Array(length)
      : new Float64Array(length);

/** An append-only typed array that doubles its capacity when full. */
class Growing<T extends ColumnArray> {
  private length = 0;
  constructor(private data: T) {}
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new (this.data.constructor as new (n: number) => T)(Math.max(64, this.data.length * 2));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  /** The filled part, in a buffer of its own (transferable). */
  take(): T {
    return this.data.slice(0, this.length) as T;
  }
}

function growing(column: Column): Growing<ColumnArray> {
  return new Growing(emptyColumn(column));
}

/** What a generator thread records into; finish() gives the ledger. */
export class LedgerBuilder {
  private readonly partitions: Array<Record<Column, Growing<ColumnArray>>>;
  constructor(partitions: number) {
    this.partitions = Array.from(
      { length: partitions },
      () => Object.fromEntries(columns.map((c) => [c, growing(c)])) as Record<Column, Growing<ColumnArray>>,
    );
  }
  acknowledged(partition: number, id: number, at: number, latencyMillis: number): void {
    const p = this.partitions[partition];
    p?.ackedIds.push(id);
    p?.ackedAt.push(at);
    p?.ackedLatencyMillis.push(latencyMillis);
  }
  indeterminate(partition: number, id: number, at: number): void {
    const p = this.partitions[partition];
    p?.indeterminateIds.push(id);
    p?.indeterminateAt.push(at);
  }
  rejected(partition: number, sentAt: number): void {
    this.partitions[partition]?.rejectedAt.push(sentAt);
  }
  /** The ledger, each column in a buffer of its own (see ledgerBuffers). */
  finish(): WriteLedger {
    return this.partitions.map(
      (p) => Object.fromEntries(columns.map((c) => [c, p[c].take()])) as unknown as PartitionLedger,
    );
  }
}

/** A finished ledger's buffers, to move to another thread instead of copying them. */
export function ledgerBuffers(ledger: WriteLedger): ArrayBuffer[] {
  return ledger.flatMap((p) => columns.map((c) => p[c].buffer as ArrayBuffer));
}

export function emptyLedger(partitions: number): WriteLedger {
  return new LedgerBuilder(partitions).finish();
}

/** The threads' ledgers as one: each column concatenated into an array of its exact size. */
export function mergeLedgers(partitions: number, parts: readonly WriteLedger[]): WriteLedger {
  return Array.from({ length: partitions }, (_, i) => {
    const merged = {} as Record<Column, ColumnArray>;
    for (const c of columns) {
      const pieces = parts.map((l) => l[i]?.[c]).filter((x): x is ColumnArray => x !== undefined);
      const total = pieces.reduce((n, x) => n + x.length, 0);
      const out = emptyColumn(c, total);
      let at = 0;
      for (const piece of pieces) {
        out.set(piece, at);
        at += piece.length;
      }
      merged[c] = out;
    }
    return merged as unknown as PartitionLedger;
  });
}

/** Acknowledged writes per user id: the multiset login_log must contain at least. */
export function ackedCounts(ledger: PartitionLedger): Map<number, number> {
  const counts = new Map<number, number>();
  for (const id of ledger.ackedIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}
