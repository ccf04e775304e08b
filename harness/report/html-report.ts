import { metricCatalog } from '../config/threshold-expression.ts';
import { type ChartName, chartNames, chartTitles } from './charts.ts';
import { heldStalls, stallRows, stallWords } from './held-switch-lines.ts';
import { reportSeries, tpsByStage } from './report-series.ts';
import type { RunDocument } from './run-document.ts';
import { freezeWindowText, inconclusiveHeadline, measurementLines, skippedText } from './summary.ts';

export const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const fixed = (v: number | undefined, digits = 1) => (v === undefined ? '–' : v.toFixed(digits));

const chartHelp: Record<ChartName, string> = {
  tps:
    'Each point is one second. Grey bands are the migration phases, named at the top; the red band is the freeze ' +
    '(from the ALTER that makes the partition read-only to the end of the switch). The moved partition should drop ' +
    'to its readers only inside the red band and come back after it; the others should stay flat.',
  latency:
    'p50 and p99 of the calls that succeeded in each second, for the moved partition and the others. A spike at ' +
    'the freeze or the switch is every proxy backend reconnecting to the cluster.',
  errors:
    'read_only is the freeze doing its job (25006 on writes to the moved partition). Any other class is a fault: ' +
    'connection (lost or refused), serialization, other; indeterminate calls lost their connection mid-call.',
  phases: 'How long each phase took; the orange ones ran inside the freeze, so they are the write outage.',
};

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const style = `
body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:2rem auto;max-width:1160px;color:#222;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.verdict{display:inline-block;padding:.3rem .9rem;border-radius:4px;font-weight:bold;color:#fff;font-size:1.3rem}
.verdict.pass{background:#2a7d2a}.verdict.fail{background:#b52222}.verdict.inconclusive{background:#8a6d00}.warn{color:#8a6d00;font-weight:bold}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.ok{color:#2a7d2a;font-weight:bold}.bad{color:#b52222;font-weight:bold}
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{color:#555;font-size:.9rem}
code{background:#f3f3f3;padding:0 .2rem}.muted{color:#666;font-size:.85rem}`;

/** index.html: the whole report on one page, charts embedded, nothing fetched. */
export function htmlReport(doc: RunDocument, charts: Record<ChartName, Buffer>): string {
  const m = doc.migration;
  const ok = (passed: boolean) => `<span class="${passed ? 'ok' : 'bad'}">${passed ? 'pass' : 'FAIL'}</span>`;
  // An expected failure is as declared; an unexpected pass is a difference the scenario must answer.
  const judged = (name: string, passed: boolean) => {
    const o = doc.outcomes.find((x) => x.name === name);
    if (!o?.expectedFailure) return ok(passed);
    return `<span class="${o.passed ? 'bad' : 'warn'}" title="${escapeHtml(o.note)}">${o.passed ? 'unexpected pass' : 'expected failure'}</span>`;
  };
  const note = (name: string) => {
    const n = doc.outcomes.find((x) => x.name === name)?.note;
    return n ? ` <i>(${escapeHtml(n)})</i>` : '';
  };
  const stages = tpsByStage(reportSeries(doc));
  const lat = doc.load.latency;
  const moved = lat.byPartition[doc.load.partition];
  const phases = [...m.phases, ...m.rollback, ...(doc.dropOld ? [doc.dropOld] : [])];
  const env = doc.environment;
  const headline = inconclusiveHeadline(doc);
  const sections = [
    `<h1>shardmove run <code>${escapeHtml(doc.runId)}</code></h1>`,
    `<p><span id="verdict" class="verdict ${doc.verdict}" data-verdict="${doc.verdict}">${doc.verdict.toUpperCase()}</span></p>`,
    ...(doc.validity.conclusive
      ? []
      : [
          `<div id="validity"><p><b>The run ${headline.claim}</b>, ${headline.consequence} (exit 3):</p><ul>${doc.validity.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` +
            (doc.validity.advice.length
              ? `<p>To change:</p><ul>${doc.validity.advice.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul>`
              : '') +
            '</div>',
        ]),
    `<p>Strategy <code>${escapeHtml(m.strategy)}</code> moving p${m.partition} (logs <code>${escapeHtml(m.logs)}</code>) on the ${escapeHtml(doc.provider)} provider${doc.scenario ? `, scenario <code>${escapeHtml(doc.scenario)}</code>` : ''}: ${escapeHtml(m.outcome)} (${escapeHtml(m.state)}).</p>`,
    ...(m.fault
      ? [
          `<p id="fault">Fault injected: <code>${escapeHtml(m.fault.kind)}</code> during <code>${escapeHtml(m.fault.phase)}</code>, ${((m.fault.injectedAt - doc.load.startEpochMillis) / 1000).toFixed(1)} s into the load (${escapeHtml(m.fault.detail)}); the runner: ${escapeHtml(m.outcome)}.</p>`,
        ]
      : []),
    `<p>Freeze window, as clients saw it (first rejected to first accepted write on p${m.partition}): <b id="freeze-window">${escapeHtml(freezeWindowText(doc))}</b>.</p>`,
    '<h2>How the run measured</h2>',
    `<ul id="measurement">${measurementLines(doc, false)
      .map((l) => `<li>${escapeHtml(l.trim())}</li>`)
      .join('')}</ul>`,
    '<h2 id="checks">Checks</h2>',
    table(
      ['check', 'result', 'summary'],
      doc.checks.map((c) => [
        escapeHtml(c.name),
        judged(c.name, c.passed),
        escapeHtml(c.summary) + note(c.name),
      ]),
    ),
    ...(doc.thresholds.length
      ? [
          '<h2>Thresholds</h2>',
          table(
            ['threshold', 'result', 'actual'],
            doc.thresholds.map((t) => [
              `<code>${escapeHtml(t.expression)}</code>`,
              judged(t.expression, t.passed),
              (t.actual === undefined ? 'no value' : `${t.actual} ${metricCatalog[t.metric].unit}`) +
                note(t.expression),
            ]),
          ),
        ]
      : []),
    '<h2>Charts</h2>',
    ...chartNames.map(
      (name) =>
        `<figure data-chart="${name}"><img alt="${escapeHtml(chartTitles[name])}" src="data:image/png;base64,${charts[name].toString('base64')}"><figcaption>${escapeHtml(chartHelp[name])}</figcaption></figure>`,
    ),
    '<h2>Throughput and latency</h2>',
    table(
      ['TPS', 'moved partition', 'others'],
      stages.map((s) => [`${s.stage} the freeze`, fixed(s.moved), fixed(s.others)]),
    ),
    `<p>p50 ${fixed(lat.overall.p50Millis, 2)} ms, p99 ${fixed(lat.overall.p99Millis, 2)} ms over all calls${moved?.count ? `; p99 ${fixed(moved.p99Millis, 2)} ms on p${doc.load.partition}` : ''}. ${doc.load.totals.ok} calls succeeded (${fixed(doc.load.tps, 0)} tps, ${doc.load.clients} clients); ${escapeHtml(skippedText(doc))}.</p>`,
    ...heldSwitchHtml(doc),
    '<h2>Phases</h2>',
    table(
      ['phase', 'status', 'duration', 'detail'],
      phases.map((p) => [
        escapeHtml(p.name),
        p.status === 'failed' ? `<span class="bad">failed</span>` : escapeHtml(p.status),
        p.status === 'not-run' ? '' : `${((p.endedAt - p.startedAt) / 1000).toFixed(2)} s`,
        p.status === 'not-run'
          ? ''
          : escapeHtml(
              (p.status === 'failed' ? `${p.error} ` : '') +
                Object.entries(p.evidence)
                  .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
                  .join('; '),
            ),
      ]),
    ),
    ...(doc.load.errors.samples.length
      ? [
          '<h2>Errors seen by the load</h2>',
          table(
            ['script', 'class', 'SQLSTATE', 'count', 'message'],
            doc.load.errors.samples.map((e) => [
              escapeHtml(e.script),
              escapeHtml(e.errorClass + (e.indeterminate ? ' (indeterminate)' : '')),
              escapeHtml(e.sqlstate ?? ''),
              String(e.count),
              escapeHtml(e.message),
            ]),
          ),
        ]
      : []),
    ...(doc.microBenchmarks.length
      ? [
          '<h2>Per-call cost</h2>',
          table(
            ['call', 'via', 'mean ms', 'p99 ms', 'ops/s'],
            doc.microBenchmarks.map((b) => [
              escapeHtml(b.script),
              b.target,
              b.meanMillis.toFixed(3),
              b.p99Millis.toFixed(3),
              b.opsPerSecond.toFixed(0),
            ]),
          ),
        ]
      : []),
    '<h2>Environment</h2>',
    table(
      ['', ''],
      [
        ['shardmove', escapeHtml(`${env.shardmoveVersion} (${env.gitCommit})`)],
        ...Object.entries(env.versions).map(([role, v]) => [
          escapeHtml(role),
          escapeHtml(`PostgreSQL ${v.postgres}${v.plproxy ? `, PL/Proxy ${v.plproxy}` : ''}`),
        ]),
        ['Node', escapeHtml(`${env.node} ${env.platform}`)],
        ...Object.entries(env.provider).map(([k, v]) => [escapeHtml(k), escapeHtml(v)]),
      ],
    ),
    `<p class="muted">Written ${escapeHtml(doc.writtenAt)} from run.json (schema version ${doc.schemaVersion}); <code>shardmove report DIR</code> renders it again.</p>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>shardmove ${escapeHtml(doc.runId)}: ${doc.verdict.toUpperCase()}</title><style>${style}</style></head>
<body>
${sections.join('\n')}
<script>
// Marks each chart with the size the browser decoded it at (or "no"), so a headless check
// of the page can tell a drawn chart from a broken image.
addEventListener('load', () => {
  for (const f of document.querySelectorAll('figure[data-chart]')) {
    const img = f.querySelector('img');
    f.dataset.rendered = img && img.complete && img.naturalWidth > 0 ? img.naturalWidth + 'x' + img.naturalHeight : 'no';
  }
});
</script>
</body></html>
`;
}

function heldSwitchHtml(doc: RunDocument): string[] {
  const stalls = heldStalls(doc);
  if (!stalls) return [];
  return [
    '<h2>Held switch: how long writes waited</h2>',
    `<p>${escapeHtml(stallWords(stalls))} None was rejected by the hold.</p>`,
    table(
      ['waited', 'writes'],
      stallRows(stalls).map(([range, n]) => [escapeHtml(range), String(n)]),
    ),
  ];
}
