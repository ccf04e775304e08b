import type { RunDocument } from '../report/run-document.ts';
import type { Interval } from './fit-line.ts';
import type { MetricPrediction, StrategyPrediction } from './predict-move.ts';

const perMillion = 1_000_000;

const number = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
const rowsText = (rows: number) =>
  rows >= perMillion ? `${number(rows / perMillion)}M` : rows >= 1000 ? `${number(rows / 1000)}k` : `${rows}`;

function intervalText(i: Interval | undefined, scale = 1): string {
  if (!i) return '-';
  const v = number(i.value * scale);
  return i.low === undefined || i.high === undefined
    ? `${v} (no interval: too few runs)`
    : `${v} (${number(i.low * scale)} .. ${number(i.high * scale)})`;
}

function row(p: MetricPrediction): string {
  const fit = p.fit;
  return `| ${p.metric} | ${p.runs} | ${intervalText(fit?.slope, perMillion)} | ${intervalText(p.atTarget)} | ${p.trend} |`;
}

/** The article's freeze for its 1M/1M/500k shard (SPEC.md), said beside the seed strategy's prediction. */
export const articleFreezeSeconds = 166;

/** A strategy's prediction as Markdown: the fit of each metric and phase, the target, and how far beyond the runs it reaches. */
export function predictionLines(p: StrategyPrediction): string[] {
  const lines = [
    `## ${p.strategy}: ${p.runs} run(s) at ${p.sizes} size(s), predicted for ${rowsText(p.targetRows)} rows on the moved shard`,
    '',
  ];
  if (p.beyondMeasured !== undefined && p.beyondMeasured > 1)
    lines.push(
      `**Extrapolated**: the target is ${p.beyondMeasured.toFixed(1)}x the largest shard measured; the interval assumes the line holds out there.`,
      '',
    );
  if (p.sizes < 2)
    lines.push('Fewer than two sizes: no line can be fitted; run the sweep at more sizes.', '');
  lines.push(
    '| metric | runs | slope per 1M rows (95%) | at the target (95%) | with the data |',
    '|---|---|---|---|---|',
    ...p.metrics.map(row),
    '',
    '| phase (seconds) | runs | slope per 1M rows (95%) | at the target (95%) | with the data |',
    '|---|---|---|---|---|',
    ...p.phases.map(row),
  );
  const grows = p.phases.filter((m) => m.trend === 'grows').map((m) => m.metric);
  const flat = p.phases.filter((m) => m.trend === 'flat').map((m) => m.metric);
  lines.push(
    '',
    `Phases that grow with the data: ${grows.join(', ') || 'none measured'}; flat within their interval: ${flat.join(', ') || 'none measured'}.`,
  );
  if (p.strategy === 'seed')
    lines.push(
      '',
      `The article measured a freeze of about ${articleFreezeSeconds} s for its 1M/1M/500k shard (SPEC.md).`,
    );
  for (const s of p.skipped) lines.push(`- left out: ${s.runId}: ${s.why}`);
  return lines;
}

/** Each point with the connection cost its run measured: that cost sets every storm's length. */
export function sweepPointLine(doc: RunDocument, dir: string, reused: boolean): string {
  const cost = doc.metrics.connection_ms;
  return `${doc.verdict}: ${dir}${reused ? ' (reused)' : ''}; a new connection cost ${cost === undefined ? 'not measured' : `${cost.toFixed(1)} ms`}`;
}
