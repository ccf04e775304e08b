import { bucketPercentile } from '../load/latency-buckets.ts';
import { markedPhase, type PhaseResult } from '../migrate/phase-result.ts';
import type { RunDocument } from './run-document.ts';

export interface PhaseSpan {
  name: string;
  status: 'ok' | 'failed';
  /** Seconds from the load's start. */
  from: number;
  to: number;
}

export const errorSeries = ['read_only', 'connection', 'serialization', 'other', 'indeterminate'] as const;

export interface ReportSeries {
  seconds: number[];
  tps: { moved: number[]; others: number[] };
  latencyMillis: {
    movedP50: Array<number | null>;
    movedP99: Array<number | null>;
    othersP50: Array<number | null>;
    othersP99: Array<number | null>;
  };
  errors: Record<(typeof errorSeries)[number], number[]>;
  phases: PhaseSpan[];
  /** From the start of the freeze to the end of the switch (or of the rollback's unfreeze). */
  freeze: { from: number; to: number } | undefined;
  /** An injected fault: when (seconds from the load's start) and what. */
  fault: { at: number; label: string } | undefined;
}

const ms = (us: number | undefined) => (us === undefined ? null : Number((us / 1000).toFixed(3)));

/** What the charts and tables plot, derived from run.json alone. */
export function reportSeries(doc: RunDocument): ReportSeries {
  const start = doc.load.startEpochMillis;
  const rel = (t: number) => Number(((t - start) / 1000).toFixed(3));
  // The last second is partial: leave it out of rates.
  const full = Math.floor((doc.load.endEpochMillis - start) / 1000);
  const series = doc.load.series.filter((s) => s.second < full);
  const phases: PhaseSpan[] = [
    ...doc.migration.phases,
    ...doc.migration.rollback,
    ...(doc.dropOld ? [doc.dropOld] : []),
  ]
    .filter((p) => p.status !== 'not-run')
    .map((p) => ({
      name: p.name,
      status: p.status as 'ok' | 'failed',
      from: rel((p as { startedAt: number }).startedAt),
      to: rel((p as { endedAt: number }).endedAt),
    }));
  const span = (p: PhaseResult | undefined) =>
    p && p.status !== 'not-run' ? { from: rel(p.startedAt), to: rel(p.endedAt) } : undefined;
  const freezeStart = span(markedPhase(doc.migration.phases, 'freeze'));
  const freezeEnd = span(
    markedPhase(doc.migration.phases, 'switch') ??
      doc.migration.rollback.find((p) => p.name === 'unfreeze on old'),
  );
  return {
    seconds: series.map((s) => s.second),
    tps: { moved: series.map((s) => s.moved.ok), others: series.map((s) => s.others.ok) },
    latencyMillis: {
      movedP50: series.map((s) => ms(bucketPercentile(s.moved.buckets, 50))),
      movedP99: series.map((s) => ms(bucketPercentile(s.moved.buckets, 99))),
      othersP50: series.map((s) => ms(bucketPercentile(s.others.buckets, 50))),
      othersP99: series.map((s) => ms(bucketPercentile(s.others.buckets, 99))),
    },
    errors: {
      read_only: series.map((s) => s.moved.failed.read_only + s.others.failed.read_only),
      connection: series.map((s) => s.moved.failed.connection + s.others.failed.connection),
      serialization: series.map((s) => s.moved.failed.serialization + s.others.failed.serialization),
      other: series.map((s) => s.moved.failed.other + s.others.failed.other),
      indeterminate: series.map((s) => s.moved.indeterminate + s.others.indeterminate),
    },
    phases,
    freeze: freezeStart && freezeEnd ? { from: freezeStart.from, to: freezeEnd.to } : undefined,
    fault: doc.migration.fault
      ? { at: rel(doc.migration.fault.injectedAt), label: `fault: ${doc.migration.fault.kind}` }
      : undefined,
  };
}

export interface TpsByStage {
  stage: 'before' | 'during' | 'after';
  moved: number | undefined;
  others: number | undefined;
}

/** Mean TPS before the freeze (second half, past the warm-up), inside it, and after it. */
export function tpsByStage(series: ReportSeries): TpsByStage[] {
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
  const pick = (keep: (second: number) => boolean) => {
    const idx = series.seconds.map((s, i) => [s, i] as const).filter(([s]) => keep(s));
    return {
      moved: mean(idx.map(([, i]) => series.tps.moved[i] ?? 0)),
      others: mean(idx.map(([, i]) => series.tps.others[i] ?? 0)),
    };
  };
  const f = series.freeze;
  if (!f) return [{ stage: 'before', ...pick(() => true) }];
  const baselineFrom = Math.floor(f.from / 2);
  return [
    { stage: 'before', ...pick((s) => s >= baselineFrom && s + 1 <= f.from) },
    { stage: 'during', ...pick((s) => s >= f.from && s + 1 <= f.to) },
    { stage: 'after', ...pick((s) => s >= Math.ceil(f.to)) },
  ];
}
