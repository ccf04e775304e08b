import type { MetricName } from '../config/threshold-expression.ts';
import type { RunDocument } from '../report/run-document.ts';
import type { Point } from './fit-line.ts';
import { movedShardRows } from './moved-shard-rows.ts';

/** What a size sweep fits against the moved shard's rows. */
export const sweptMetrics = [
  'freeze_window_s',
  'freeze_phases_s',
  'migration_s',
  'others_min_pct',
] as const satisfies readonly MetricName[];
export type SweptMetric = (typeof sweptMetrics)[number];

export interface StrategySweep {
  readonly strategy: string;
  /** Conclusive runs whose move completed, by the moved shard's rows. */
  readonly runs: readonly { readonly runId: string; readonly rows: number }[];
  readonly metrics: Readonly<Record<SweptMetric, readonly Point[]>>;
  /** Each phase's seconds against rows, in the strategy's phase order. */
  readonly phases: ReadonlyMap<string, readonly Point[]>;
  /** Runs left out, and why. */
  readonly skipped: readonly { readonly runId: string; readonly why: string }[];
}

function append<T>(lists: Map<string, T[]>, key: string, item: T): void {
  const list = lists.get(key);
  if (list) list.push(item);
  else lists.set(key, [item]);
}

function strategyOf(doc: RunDocument): string {
  const s = (doc.config as { migration?: { strategy?: unknown } } | undefined)?.migration?.strategy;
  return typeof s === 'string' ? s : 'unknown';
}

/** The points of a sweep, per strategy: a run that could not judge, or whose move did not complete, is no point. */
export function sweepPoints(docs: readonly RunDocument[]): StrategySweep[] {
  const byStrategy = new Map<string, RunDocument[]>();
  for (const doc of docs) append(byStrategy, strategyOf(doc), doc);
  return [...byStrategy].map(([strategy, runs]) => {
    const skipped: { runId: string; why: string }[] = [];
    const used: { runId: string; rows: number }[] = [];
    const metrics = Object.fromEntries(sweptMetrics.map((m) => [m, [] as Point[]])) as Record<
      SweptMetric,
      Point[]
    >;
    const phases = new Map<string, Point[]>();
    for (const doc of runs) {
      const rows = movedShardRows(doc.config);
      if (rows === undefined) {
        skipped.push({ runId: doc.runId, why: 'the moved shard was not seeded (profile none)' });
        continue;
      }
      if (doc.verdict === 'inconclusive') {
        skipped.push({ runId: doc.runId, why: `inconclusive: ${doc.validity.reasons.join('; ')}` });
        continue;
      }
      if (doc.migration.outcome !== 'completed') {
        skipped.push({ runId: doc.runId, why: `the move did not complete (${doc.migration.outcome})` });
        continue;
      }
      used.push({ runId: doc.runId, rows });
      for (const m of sweptMetrics) {
        const y = doc.metrics[m];
        if (y !== undefined) metrics[m].push({ x: rows, y });
      }
      for (const p of doc.migration.phases) {
        if (p.status !== 'ok') continue;
        append(phases, p.name, { x: rows, y: (p.endedAt - p.startedAt) / 1000 });
      }
    }
    return { strategy, runs: used, metrics, phases, skipped };
  });
}
