import type { Comparison, MetricComparison } from './compare-runs.ts';
import { tableLines } from './table-lines.ts';

const num = (v: number) =>
  Number.isInteger(v)
    ? String(v)
    : Math.abs(v) >= 100
      ? v.toFixed(0)
      : Math.abs(v) >= 10
        ? v.toFixed(1)
        : v.toFixed(2);

function side(r: MetricComparison['baseline']): string {
  if (!r) return '–';
  return r.runs > 1 && r.min !== r.max ? `${num(r.min)}..${num(r.max)} (${r.runs})` : num(r.min);
}

function change(m: MetricComparison): string {
  if (m.change === undefined) return '';
  return `${m.change >= 0 ? '+' : ''}${(m.change * 100).toFixed(1)}%`;
}

/** The comparison as a table, for a terminal or (markdown) a CI job summary / PR comment. */
export function comparisonLines(c: Comparison, format: 'text' | 'markdown'): string[] {
  const rows = c.metrics
    .filter((m) => m.status !== 'missing')
    .map((m) => [
      `${m.metric} (${m.unit}, ${m.better} is better)`,
      side(m.baseline),
      side(m.candidate),
      change(m),
      m.status,
    ]);
  const checks = c.checks.map((k) => [
    `check: ${k.check}`,
    `${k.baselinePassed}/${k.runs.baseline} passed`,
    `${k.candidatePassed}/${k.runs.candidate} passed`,
    '',
    k.regressed ? 'regressed' : 'ok',
  ]);
  const head = ['metric', 'baseline', 'candidate', 'change', 'status'];
  const verdict = c.regressed ? 'REGRESSION' : 'no regression';
  const left = [
    ...c.excluded.baseline.map((id) => `${id} (baseline)`),
    ...c.excluded.candidate.map((id) => `${id} (candidate)`),
  ];
  const note =
    `tolerance ${(c.tolerance * 100).toFixed(0)}%: a metric regresses only when every candidate run is worse than every baseline run by more than that` +
    (left.length ? `; left out as inconclusive: ${left.join(', ')}` : '');
  if (format === 'markdown')
    return [
      `## shardmove compare: ${verdict}`,
      '',
      ...tableLines(head, [...rows, ...checks], 'markdown'),
      '',
      note,
    ];
  return [...tableLines(head, [...rows, ...checks], 'text'), '', `${verdict} (${note})`];
}
