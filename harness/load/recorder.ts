import * as hdr from 'hdr-histogram-js';
import type { CallFailure } from './error-class.ts';
import { ErrorSamples } from './error-samples.ts';
import { addToBuckets } from './latency-buckets.ts';
import { LedgerBuilder } from './ledger.ts';
import { addValue } from './moments.ts';
import { emptyCounts, emptySecond, type SecondSample } from './samples.ts';
import { scriptCatalog, scriptWrites, type WeightedScript } from './scripts.ts';

/** Latencies in microseconds, 1 µs to 1 hour, 3 significant digits. */
export function newHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

const builtinWriting: ReadonlySet<string> = new Set(
  Object.entries(scriptCatalog)
    .filter(([, s]) => s.writes)
    .map(([name]) => name),
);

/** The scripts of a load whose calls write, built-in and the user's. */
export function writingScripts(scripts: readonly WeightedScript[]): Set<string> {
  return new Set([...builtinWriting, ...scripts.filter(scriptWrites).map((s) => s.name)]);
}

/** Collects one thread's outcomes into per-second samples, histograms and the write ledger. */
export class Recorder {
  private readonly seconds = new Map<number, SecondSample>();
  readonly histograms = new Map<string, hdr.Histogram>();
  readonly ledger: LedgerBuilder;
  readonly errors = new ErrorSamples();

  /**
   * @param writing the scripts whose calls write a login_log row for their id: built-in
   * ones by the catalog, a user's by its `-- shardmove: writes` directive.
   */
  constructor(
    private readonly startEpochMillis: number,
    private readonly partitions: number,
    private readonly writing: ReadonlySet<string> = builtinWriting,
  ) {
    this.ledger = new LedgerBuilder(partitions);
  }

  private current: SecondSample | undefined;
  private currentEnd = 0;

  private bucket(t: number): SecondSample {
    // Nearly every call lands in the same second as the previous one.
    if (this.current && t < this.currentEnd && t >= this.currentEnd - 1000) return this.current;
    const second = Math.max(0, Math.floor((t - this.startEpochMillis) / 1000));
    let sample = this.seconds.get(second);
    if (!sample) {
      sample = emptySecond(second, this.partitions);
      this.seconds.set(second, sample);
    }
    this.current = sample;
    this.currentEnd = this.startEpochMillis + (second + 1) * 1000;
    return sample;
  }

  private readonly byScript = new Map<string, hdr.Histogram>();
  private readonly byPartition: Array<hdr.Histogram | undefined> = [];

  private scriptHistogram(script: string): hdr.Histogram {
    let h = this.byScript.get(script);
    if (!h) {
      h = this.histogram(`script:${script}`);
      this.byScript.set(script, h);
    }
    return h;
  }

  private partitionHistogram(partition: number): hdr.Histogram {
    let h = this.byPartition[partition];
    if (!h) {
      h = this.histogram(`partition:${partition}`);
      this.byPartition[partition] = h;
    }
    return h;
  }

  private histogram(key: string): hdr.Histogram {
    let h = this.histograms.get(key);
    if (!h) {
      h = newHistogram();
      this.histograms.set(key, h);
    }
    return h;
  }

  private partitionOf(id: number): number {
    return id & (this.partitions - 1);
  }

  /** id undefined: a user script's call the harness cannot attribute to a partition (counted by script only). */
  ok(script: string, id: number | undefined, t: number, from: number): void {
    const micros = Math.max(1, Math.round((t - from) * 1000));
    const sample = this.bucket(t);
    const partition = id === undefined ? -1 : this.partitionOf(id);
    const p = sample.partitions[partition];
    if (p) {
      p.ok++;
      addValue(p.latency, micros);
      addToBuckets(p.buckets, micros);
    }
    sample.scripts[script] ??= emptyCounts();
    sample.scripts[script].ok++;
    addValue(sample.scripts[script].latency, micros);
    const due = from >= this.currentEnd - 1000 && from < this.currentEnd ? sample : this.bucket(from);
    due.servedByDue[script] = (due.servedByDue[script] ?? 0) + 1;
    this.scriptHistogram(script).recordValue(micros);
    if (id === undefined) return;
    this.partitionHistogram(partition).recordValue(micros);
    if (this.writing.has(script)) {
      this.ledger.acknowledged(partition, id, t, micros / 1000);
    }
  }

  /** t: when the failure came back; startedAt: when the call was sent. */
  failed(script: string, id: number | undefined, t: number, failure: CallFailure, startedAt: number): void {
    const sample = this.bucket(t);
    const partition = id === undefined ? -1 : this.partitionOf(id);
    const p = sample.partitions[partition];
    sample.scripts[script] ??= emptyCounts();
    const s = sample.scripts[script];
    if (failure.indeterminate) {
      if (p) p.indeterminate++;
      s.indeterminate++;
      if (id !== undefined && this.writing.has(script)) {
        this.ledger.indeterminate(partition, id, t);
      }
    } else {
      if (p) p.failed[failure.errorClass]++;
      s.failed[failure.errorClass]++;
    }
    this.errors.add(script, partition, failure, t);
    // A rejection belongs to the moment the call was made: its reply can come much later.
    if (failure.errorClass === 'read_only' && id !== undefined) this.ledger.rejected(partition, startedAt);
  }

  lag(t: number, micros: number): void {
    addValue(this.bucket(t).lag, micros);
  }

  /** A call skipped under the latency limit, counted in the second it was due. */
  skipped(script: string, id: number | undefined, dueAt: number): void {
    const sample = this.bucket(dueAt);
    sample.skipped++;
    const p = id === undefined ? undefined : sample.partitions[this.partitionOf(id)];
    if (p) p.skipped++;
    sample.scripts[script] ??= emptyCounts();
    sample.scripts[script].skipped++;
  }

  primed(t: number): void {
    this.bucket(t).primed++;
  }

  reconnected(t: number): void {
    this.bucket(t).reconnects++;
  }

  /** Removes and returns the samples of seconds that have ended. */
  drain(beforeSecond: number): SecondSample[] {
    const out: SecondSample[] = [];
    if (this.current && this.current.second < beforeSecond) this.current = undefined;
    for (const [second, sample] of this.seconds) {
      if (second < beforeSecond) {
        out.push(sample);
        this.seconds.delete(second);
      }
    }
    return out.sort((a, b) => a.second - b.second);
  }
}
