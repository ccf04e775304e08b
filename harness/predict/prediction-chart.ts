import type { ChartConfiguration } from 'chart.js';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import { articleFreezeSeconds } from './format-prediction.ts';
import { profileMovedShardRows } from './moved-shard-rows.ts';
import type { PredictedMetric, PredictionDocument } from './prediction-document.ts';

const strategyColours: Record<string, string> = {
  seed: '#d62728',
  matview: '#ff7f0e',
  copy: '#1f77b4',
  logical: '#2ca02c',
};
const fallbackColours = ['#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const perMillion = 1_000_000;

/** The fitted line from the smallest size measured, through the largest, on to the target if it lies further. */
function lineOf(m: PredictedMetric, targetRows: number): { x: number; y: number }[] {
  if (
    m.slopePerMillionRows === undefined ||
    m.intercept === undefined ||
    m.measuredFromRows === undefined ||
    m.measuredToRows === undefined
  )
    return [];
  const slope = m.slopePerMillionRows.value;
  const intercept = m.intercept;
  const ends = [m.measuredFromRows, m.measuredToRows];
  if (targetRows > m.measuredToRows) ends.push(targetRows);
  return ends.map((rows) => ({
    x: rows / perMillion,
    y: Math.max(0, intercept + (slope * rows) / perMillion),
  }));
}

/**
 * Freeze window against the moved shard's rows: each strategy's runs as points, its fitted
 * line drawn on to the target, the prediction there with its 95% interval, and the article's
 * 166 s at its 2.5M-row shard for scale.
 */
export function predictionChartConfig(doc: PredictionDocument): ChartConfiguration {
  const datasets: NonNullable<ChartConfiguration['data']>['datasets'] = [];
  doc.strategies.forEach((s, i) => {
    const colour = strategyColours[s.strategy] ?? fallbackColours[i % fallbackColours.length] ?? '#000';
    const freeze = s.metrics.find((m) => m.name === 'freeze_window_s');
    if (!freeze) return;
    datasets.push({
      type: 'scatter',
      label: `${s.strategy}: runs`,
      data: freeze.points.map((p) => ({ x: p.x / perMillion, y: p.y })),
      backgroundColor: colour,
      borderColor: colour,
      pointRadius: 4,
    });
    const line = lineOf(freeze, doc.targetRows);
    const measuredTo = (freeze.measuredToRows ?? 0) / perMillion;
    if (line.length)
      datasets.push({
        type: 'line',
        label: `${s.strategy}: fitted (${freeze.trend})`,
        data: line,
        borderColor: colour,
        backgroundColor: colour,
        borderWidth: 1.5,
        pointRadius: 0,
        // Solid over the sizes measured, dashed beyond them.
        segment: { borderDash: (ctx) => ((ctx.p0.parsed.x ?? 0) >= measuredTo ? [6, 4] : undefined) },
      });
    const at = freeze.atTarget;
    if (at && at.low !== undefined && at.high !== undefined)
      datasets.push({
        type: 'line',
        label: `${s.strategy}: 95% interval at the target`,
        data: [
          { x: doc.targetRows / perMillion, y: at.low },
          { x: doc.targetRows / perMillion, y: at.high },
        ],
        borderColor: colour,
        backgroundColor: colour,
        borderWidth: 4,
        pointRadius: 2,
      });
  });
  datasets.push({
    type: 'scatter',
    label: `the article's freeze (${articleFreezeSeconds} s at 2.5M rows, its hardware)`,
    data: [{ x: profileMovedShardRows('full') / perMillion, y: articleFreezeSeconds }],
    backgroundColor: '#000',
    borderColor: '#000',
    pointStyle: 'crossRot',
    pointRadius: 8,
  });
  const cost = doc.environment.connectionMillis;
  return {
    type: 'scatter',
    data: { datasets },
    options: {
      animation: false,
      plugins: {
        title: {
          display: true,
          text: 'Freeze window against the moved shard: runs, fitted line, prediction at the target',
          font: { size: 15 },
        },
        subtitle: {
          display: true,
          text: cost
            ? `a new connection to a shard cost ${cost.median.toFixed(1)} ms on this host (median of ${cost.runs} runs); dashed: beyond the largest shard measured`
            : 'dashed: beyond the largest shard measured',
        },
        legend: { position: 'bottom' },
      },
      scales: {
        x: {
          type: 'linear',
          min: 0,
          title: {
            display: true,
            text: 'rows on the moved shard (millions: userinfo + session + tbl_small)',
          },
        },
        y: { type: 'linear', beginAtZero: true, title: { display: true, text: 'freeze window (s)' } },
      },
    },
  };
}

export async function renderPredictionChart(doc: PredictionDocument): Promise<Buffer> {
  const canvas = new ChartJSNodeCanvas({ width: 1100, height: 520, backgroundColour: 'white' });
  return canvas.renderToBuffer(predictionChartConfig(doc), 'image/png');
}
