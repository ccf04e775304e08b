import type { Interval } from '../predict/fit-line.ts';
import type { PredictedComparison, PredictionComparison } from './compare-predictions.ts';
import { tableLines } from './table-lines.ts';

const num = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);

function side(i: Interval): string {
  return i.low === undefined || i.high === undefined
    ? `${num(i.value)} (no interval)`
    : `${num(i.value)} (${num(i.low)}..${num(i.high)})`;
}

function change(e: PredictedComparison): string {
  if (e.change === undefined) return '';
  return `${e.change >= 0 ? '+' : ''}${(e.change * 100).toFixed(1)}%`;
}

/** Two predictions side by side at their target, for a terminal or (markdown) a CI job summary. */
export function predictionComparisonLines(c: PredictionComparison, format: 'text' | 'markdown'): string[] {
  const head = ['strategy', 'at the target (95%)', 'baseline', 'candidate', 'change', 'status'];
  const rows = c.entries.map((e) => [
    e.strategy,
    e.kind === 'phase' ? `phase ${e.name} (s)` : `${e.name} (${e.unit}, ${e.better} is better)`,
    side(e.baseline),
    side(e.candidate),
    change(e),
    e.status,
  ]);
  const verdict = c.regressed ? 'REGRESSION' : 'no regression';
  const note =
    `predicted for ${c.targetRows} rows on the moved shard; tolerance ${(c.tolerance * 100).toFixed(0)}%: a value regresses only when the candidate's whole 95% interval is worse than the baseline's by more than that; unknown: a side had too few runs for an interval` +
    (c.unmatched.length ? `; on one side only: ${c.unmatched.join(', ')}` : '');
  if (format === 'markdown')
    return [
      `## shardmove compare (predictions): ${verdict}`,
      '',
      ...tableLines(head, rows, 'markdown'),
      '',
      note,
    ];
  return [...tableLines(head, rows, 'text'), '', `${verdict} (${note})`];
}
