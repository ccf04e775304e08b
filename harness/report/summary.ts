import { metricCatalog } from '../config/threshold-expression.ts';
import type { PhaseResult } from '../migrate/phase-result.ts';
import { proxyOverhead } from '../rehearsal/micro-benchmarks.ts';
import { reportSeries, tpsByStage } from './report-series.ts';
import type { RunDocument } from './run-document.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const tps = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(1));

export function freezeWindowText(doc: Pick<RunDocument, 'freezeWindow'>): string {
  const fw = doc.freezeWindow;
  if (fw.seconds !== undefined) return `${fw.seconds.toFixed(2)} s, ${fw.rejections} writes rejected`;
  return fw.rejections ? 'no accepted write after the last rejection' : 'no write was rejected';
}

/** Phase results as aligned terminal lines: name, duration, then status (an error can be long). */
export function phaseLines(phases: readonly PhaseResult[]): string[] {
  const width = Math.max(0, ...phases.map((p) => p.name.length));
  return phases.map((p) => {
    const duration = p.status === 'not-run' ? '' : seconds(p.endedAt - p.startedAt);
    const status = p.status === 'failed' ? `failed: ${p.error}` : p.status;
    return `  ${p.name.padEnd(width)}  ${duration.padStart(7)}  ${status}`;
  });
}

/**
 * The run for a terminal (text) or a CI job summary / PR comment (markdown): verdict,
 * checks, thresholds, phases, freeze window, TPS before/during/after the freeze, p99.
 */
export function summaryLines(doc: RunDocument, format: 'text' | 'markdown'): string[] {
  const md = format === 'markdown';
  const m = doc.migration;
  const lines: string[] = [];
  const mark = (ok: boolean) => (ok ? (md ? '✅' : 'ok  ') : md ? '❌' : 'FAIL');
  lines.push(
    md
      ? `# shardmove run ${doc.runId}: ${doc.verdict.toUpperCase()}`
      : `verdict: ${doc.verdict.toUpperCase()}`,
  );
  lines.push('');
  const code = (s: string) => (md ? `\`${s}\`` : s);
  lines.push(
    `strategy ${code(m.strategy)}, p${m.partition}, logs ${code(m.logs)}, provider ${doc.provider}` +
      `${doc.scenario ? `, scenario ${code(doc.scenario)}` : ''}: ${m.outcome} (${m.state})`,
  );
  const fault = m.fault;
  if (fault) {
    const at = ((fault.injectedAt - doc.load.startEpochMillis) / 1000).toFixed(1);
    lines.push('');
    lines.push(
      `fault injected: ${code(fault.kind)} during ${code(fault.phase)}, ${at} s into the load: ${fault.detail}; the runner: ${m.outcome}`,
    );
  }
  lines.push('');
  if (md) lines.push('## Checks', '');
  for (const c of doc.checks) lines.push(`${md ? '- ' : '  '}${mark(c.passed)} ${c.name}: ${c.summary}`);
  if (doc.thresholds.length) {
    lines.push('');
    if (md) lines.push('## Thresholds', '');
    for (const t of doc.thresholds) {
      const unit = metricCatalog[t.metric].unit;
      lines.push(
        `${md ? '- ' : '  '}${mark(t.passed)} ${md ? `\`${t.expression}\`` : t.expression}: ${t.actual === undefined ? 'no value (the run never got there)' : `${t.actual} ${unit}`}`,
      );
    }
  }
  lines.push('');
  lines.push(
    `freeze window (client-observed, first rejected to first accepted write on p${m.partition}): ${freezeWindowText(doc)}`,
  );
  lines.push('');
  if (md) lines.push('## Phases', '', '| phase | status | duration |', '|---|---|---|');
  const phases = [...m.phases, ...m.rollback, ...(doc.dropOld ? [doc.dropOld] : [])];
  if (!md) lines.push(...phaseLines(phases));
  for (const p of md ? phases : []) {
    const duration = p.status === 'not-run' ? '' : seconds(p.endedAt - p.startedAt);
    lines.push(`| ${p.name} | ${p.status === 'failed' ? `failed: ${p.error}` : p.status} | ${duration} |`);
  }
  if (md) {
    const stages = tpsByStage(reportSeries(doc));
    lines.push('', '## Throughput and latency', '', '| TPS | moved partition | others |', '|---|---|---|');
    for (const s of stages) lines.push(`| ${s.stage} the freeze | ${tps(s.moved)} | ${tps(s.others)} |`);
    const lat = doc.load.latency;
    const moved = lat.byPartition[doc.load.partition];
    lines.push(
      '',
      `p99 latency: ${lat.overall.p99Millis.toFixed(2)} ms over all calls` +
        (moved?.count ? `, ${moved.p99Millis.toFixed(2)} ms on p${doc.load.partition}` : '') +
        `; ${doc.load.totals.ok} calls succeeded at ${doc.load.tps.toFixed(0)} tps with ${doc.load.clients} clients.`,
    );
    if (doc.microBenchmarks.length) {
      lines.push(
        '',
        '## Per-call cost (tinybench, one connection)',
        '',
        '| call | via | mean ms | p99 ms | ops/s |',
        '|---|---|---|---|---|',
      );
      for (const b of doc.microBenchmarks)
        lines.push(
          `| ${b.script} | ${b.target} | ${b.meanMillis.toFixed(3)} | ${b.p99Millis.toFixed(3)} | ${b.opsPerSecond.toFixed(0)} |`,
        );
      const ratios = proxyOverhead(doc.microBenchmarks);
      if (ratios.length)
        lines.push(
          '',
          `Through the proxy a call takes ${ratios.map((r) => `${r.ratio.toFixed(2)}× (${r.script})`).join(', ')} as long as on the shard directly.`,
        );
    }
    const env = doc.environment;
    const pg = env.versions.proxy?.postgres ?? 'unknown';
    lines.push(
      '',
      `<sub>shardmove ${env.shardmoveVersion} (${env.gitCommit.slice(0, 12)}), PostgreSQL ${pg}, PL/Proxy ${env.versions.proxy?.plproxy ?? 'unknown'}, Node ${env.node}, provider ${doc.provider}</sub>`,
    );
  }
  return lines;
}
