import type { Chart, ChartConfiguration, Plugin } from 'chart.js';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import { errorSeries, type PhaseSpan, type ReportSeries } from './report-series.ts';

export const chartNames = ['tps', 'latency', 'errors', 'phases'] as const;
export type ChartName = (typeof chartNames)[number];

export const chartTitles: Record<ChartName, string> = {
  tps: 'Transactions per second: the moved partition and the others, migration phases shaded',
  latency: 'Latency per second, p50 and p99 (ms, log scale)',
  errors: 'Failed calls per second, by class',
  phases: 'Migration phase durations (s)',
};

const width = 1100;
const height = 420;
const colours = {
  moved: '#d62728',
  others: '#1f77b4',
  movedLight: '#f4a3a3',
  othersLight: '#9cc3e6',
  freeze: 'rgba(214, 39, 40, 0.10)',
  bandA: 'rgba(0, 0, 0, 0.045)',
  bandB: 'rgba(0, 0, 0, 0.0)',
  read_only: '#ff7f0e',
  connection: '#9467bd',
  serialization: '#8c564b',
  other: '#7f7f7f',
  indeterminate: '#17becf',
};

/** Shades each phase on the time axis and names it, so the curves read against the procedure. */
function phaseBands(
  phases: readonly PhaseSpan[],
  freeze: ReportSeries['freeze'],
  fault: ReportSeries['fault'],
): Plugin {
  return {
    id: 'phaseBands',
    beforeDatasetsDraw(chart: Chart) {
      const { ctx, chartArea, scales } = chart;
      const x = scales.x;
      if (!x) return;
      ctx.save();
      if (freeze) {
        ctx.fillStyle = colours.freeze;
        const a = x.getPixelForValue(freeze.from);
        ctx.fillRect(a, chartArea.top, x.getPixelForValue(freeze.to) - a, chartArea.bottom - chartArea.top);
      }
      let lastLabelX = Number.NEGATIVE_INFINITY;
      let labelDrop = 0;
      phases.forEach((p, i) => {
        const a = Math.max(chartArea.left, x.getPixelForValue(p.from));
        const b = Math.min(chartArea.right, x.getPixelForValue(p.to));
        ctx.fillStyle =
          p.status === 'failed' ? 'rgba(255, 0, 0, 0.25)' : i % 2 ? colours.bandA : colours.bandB;
        ctx.fillRect(a, chartArea.top, Math.max(1, b - a), chartArea.bottom - chartArea.top);
        ctx.strokeStyle = 'rgba(0, 0, 0, 0.25)';
        ctx.beginPath();
        ctx.moveTo(a, chartArea.top);
        ctx.lineTo(a, chartArea.bottom);
        ctx.stroke();
        // Short phases sit side by side: step their labels down so they do not overprint.
        labelDrop = a - lastLabelX < 14 ? (labelDrop + 1) % 4 : 0;
        lastLabelX = a;
        ctx.save();
        ctx.translate(a + 3, chartArea.top + 4 + labelDrop * 80);
        ctx.rotate(Math.PI / 2);
        ctx.fillStyle = '#333';
        ctx.font = '11px "DejaVu Sans", sans-serif';
        ctx.fillText(p.name, 0, 0);
        ctx.restore();
      });
      if (fault) {
        const fx = x.getPixelForValue(fault.at);
        ctx.strokeStyle = '#000';
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(fx, chartArea.top);
        ctx.lineTo(fx, chartArea.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = '#000';
        ctx.font = 'bold 12px "DejaVu Sans", sans-serif';
        ctx.fillText(fault.label, fx + 4, chartArea.bottom - 8);
      }
      ctx.restore();
    },
  };
}

function timeAxis(series: ReportSeries) {
  return {
    type: 'linear' as const,
    min: 0,
    max: (series.seconds[series.seconds.length - 1] ?? 0) + 1,
    title: { display: true, text: 'seconds since the load started' },
    ticks: { stepSize: 10 },
  };
}

function points(seconds: readonly number[], values: ReadonlyArray<number | null>) {
  // A second's figure is plotted at its middle.
  return seconds.map((s, i) => ({ x: s + 0.5, y: values[i] ?? null }));
}

function configurations(series: ReportSeries): Record<ChartName, ChartConfiguration> {
  const bands = phaseBands(series.phases, series.freeze, series.fault);
  const line = (label: string, colour: string, values: ReadonlyArray<number | null>, dash?: number[]) => ({
    label,
    data: points(series.seconds, values),
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: 1.5,
    pointRadius: 0,
    borderDash: dash ?? [],
    spanGaps: false,
  });
  const title = (name: ChartName) => ({ display: true, text: chartTitles[name], font: { size: 15 } });
  const phaseNames = series.phases.map((p) => p.name);
  /** A time-axis line chart with the phase bands. */
  const lineChart = (
    name: ChartName,
    datasets: ReturnType<typeof line>[],
    y: Record<string, unknown>,
  ): ChartConfiguration => ({
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      plugins: { title: title(name), legend: { position: 'bottom' } },
      scales: { x: timeAxis(series), y },
    },
    plugins: [bands],
  });
  return {
    tps: lineChart(
      'tps',
      [
        line('others (all partitions but the moved one)', colours.others, series.tps.others),
        line('moved partition', colours.moved, series.tps.moved),
      ],
      { beginAtZero: true, title: { display: true, text: 'tps' } },
    ),
    latency: lineChart(
      'latency',
      [
        line('others p50', colours.othersLight, series.latencyMillis.othersP50),
        line('others p99', colours.others, series.latencyMillis.othersP99),
        line('moved p50', colours.movedLight, series.latencyMillis.movedP50),
        line('moved p99', colours.moved, series.latencyMillis.movedP99),
      ],
      { type: 'logarithmic', title: { display: true, text: 'ms' } },
    ),
    errors: {
      type: 'bar',
      data: {
        datasets: errorSeries.map((name) => ({
          label: name === 'read_only' ? 'read_only (25006, the freeze)' : name,
          data: points(series.seconds, series.errors[name]),
          backgroundColor: colours[name],
          barPercentage: 1,
          categoryPercentage: 1,
        })),
      },
      options: {
        animation: false,
        plugins: { title: title('errors'), legend: { position: 'bottom' } },
        scales: {
          x: { ...timeAxis(series), stacked: true, offset: false },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'calls' } },
        },
      },
      plugins: [bands],
    },
    phases: {
      type: 'bar',
      data: {
        labels: phaseNames,
        datasets: [
          {
            label: 'duration (s)',
            data: series.phases.map((p) => Number((p.to - p.from).toFixed(3))),
            backgroundColor: series.phases.map((p) =>
              p.status === 'failed'
                ? colours.moved
                : series.freeze && p.from >= series.freeze.from && p.to <= series.freeze.to
                  ? colours.read_only
                  : colours.others,
            ),
          },
        ],
      },
      options: {
        animation: false,
        indexAxis: 'y',
        plugins: {
          title: title('phases'),
          legend: { display: false },
          subtitle: {
            display: true,
            text: 'orange: inside the freeze (writes to the moved partition rejected)',
          },
        },
        scales: { x: { beginAtZero: true, title: { display: true, text: 'seconds' } } },
      },
    },
  };
}

/** The report's charts as PNG images. */
export async function renderCharts(series: ReportSeries): Promise<Record<ChartName, Buffer>> {
  const canvas = new ChartJSNodeCanvas({ width, height, backgroundColour: 'white' });
  const configs = configurations(series);
  const out = {} as Record<ChartName, Buffer>;
  for (const name of chartNames) out[name] = await canvas.renderToBuffer(configs[name], 'image/png');
  return out;
}
