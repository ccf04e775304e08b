import { metricCatalog } from '../config/threshold-expression.ts';
import type { PhaseResult } from '../migrate/phase-result.ts';
import { linkCostWords } from '../provision/link-costs.ts';
import { proxyOverhead } from '../rehearsal/micro-benchmarks.ts';
import { checkNamed } from '../verify/check.ts';
import { type OldWritesSeen, oldWriteList } from '../verify/stale-route.ts';
import type { Dip } from '../verify/tps-recovery.ts';
import { heldSwitchLines } from './held-switch-lines.ts';
import { reportSeries, tpsByStage } from './report-series.ts';
import type { RunDocument } from './run-document.ts';
import { phaseStatements, statementBreakdownLines } from './statement-lines.ts';

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
  return phases.flatMap((p) => {
    const duration = p.status === 'not-run' ? '' : seconds(p.endedAt - p.startedAt);
    const status = p.status === 'failed' ? `failed: ${p.error}` : p.status;
    return [
      `  ${p.name.padEnd(width)}  ${duration.padStart(7)}  ${status}`,
      ...phaseStatements(p).map((st) => `      ${st.seconds.toFixed(1).padStart(6)} s  ${st.statement}`),
    ];
  });
}

/** Calls skipped under the latency limit: in all, and on the moved partition (run.json v1 has no split). */
export function skippedText(doc: RunDocument): string {
  const moved = doc.load.series.reduce((n, s) => n + (s.moved.skipped ?? 0), 0);
  return `${doc.load.totals.skipped} calls skipped under the latency limit (${moved} of them to p${doc.load.partition}), neither failed nor served`;
}

/**
 * How the run measured: warm-up, capacity and the rate chosen from it, the baseline, the
 * settle, what a connection costs here and what one reconnection storm should cost, beside
 * the dips the run saw at the freeze and the switch.
 */
export function measurementLines(doc: RunDocument, md: boolean): string[] {
  const st = doc.rehearsal;
  const lines: string[] = [];
  const item = md ? '- ' : '  ';
  if (st.warmup) {
    const w = st.warmup;
    lines.push(
      `${item}warm-up: ${seconds(w.endedAt - w.startedAt)}, ${w.primedClients} of ${w.clients} clients primed ` +
        `(${w.connectionsOpened} proxy-to-partition connections), ${w.steady ? 'steady' : 'never steady'} at ${w.tps.toFixed(0)} tps closed loop`,
    );
  }
  if (st.calibration) lines.push(`${item}rate: ${st.calibration.how}`);
  if (st.baseline) {
    const b = st.baseline;
    lines.push(
      `${item}baseline: ${b.achievedTps.toFixed(0)} of ${b.scheduledTps.toFixed(0)} tps scheduled over ${b.endSecond - b.startSecond} s ` +
        `(p${doc.load.partition} ${b.movedTps.toFixed(0)}, others ${b.othersTps.toFixed(0)}), lag ${b.meanLagMillis.toFixed(1)} ms on average, ${b.skipped} skipped`,
    );
  }
  if (st.settle) {
    const s = st.settle;
    const back =
      s.recovered === undefined
        ? 'no switch to recover from'
        : s.recovered
          ? `both groups back (p${doc.load.partition} ${s.movedRecoverySeconds} s, others ${s.othersRecoverySeconds} s after the switch)`
          : `not back after ${s.maxSeconds} s`;
    lines.push(`${item}settle: ${seconds(s.endedAt - s.startedAt)}, ${back}`);
  }
  if (st.connectionCost && st.storm) {
    const tps = checkNamed(doc.checks, 'tps recovery')?.evidence;
    const seen = (d: Dip | undefined, at: string) =>
      d ? `${d.secondsBelow} s below at the ${at} (lowest ${(d.lowestShare * 100).toFixed(0)}%)` : undefined;
    const measured = [seen(tps?.othersAtFreeze, 'freeze'), seen(tps?.othersAtSwitch, 'switch')].filter(
      Boolean,
    );
    lines.push(
      `${item}a new connection costs ${st.connectionCost.medianMillis.toFixed(1)} ms here (connect + first call on a shard, median of ${st.connectionCost.samples}); ` +
        `one reconnection storm ~${st.storm.expectedSeconds.toFixed(1)} s (${st.storm.proxyBackends} proxy backends x ${st.storm.partitions} partitions / ${st.storm.cores} cores)` +
        (measured.length ? `; the others measured ${measured.join(', ')}` : ''),
    );
  }
  if (st.links?.length)
    lines.push(
      `${item}links, from the host that opens each (round trip / new connection, pgbench): ${linkCostWords(st.links)}`,
    );
  return lines;
}

/**
 * What an inconclusive run says first. Before the migration nothing was judged; after it,
 * only what the run could not judge is left open.
 */
export function inconclusiveHeadline(doc: RunDocument): {
  readonly judged: boolean;
  readonly claim: string;
  readonly consequence: string;
} {
  return doc.migration.outcome !== 'not-started'
    ? { judged: true, claim: 'could not judge all it claims', consequence: 'what it could judge held' }
    : { judged: false, claim: 'could not measure what it claims', consequence: 'so it judges nothing' };
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
  const outcomeOf = (name: string) => doc.outcomes.find((o) => o.name === name);
  // An expected failure is marked apart: it is as declared, and the verdict does not count it.
  const markOf = (name: string, passed: boolean) => {
    const o = outcomeOf(name);
    if (o?.unknown) return md ? '❔' : '??  ';
    if (!o?.expectedFailure) return mark(passed);
    return o.passed ? (md ? '❗' : 'XPASS') : md ? '⚠️' : 'XFAIL';
  };
  const noteOf = (name: string) => {
    const note = outcomeOf(name)?.note;
    return note ? ` (${note})` : '';
  };
  lines.push(
    md
      ? `# shardmove run ${doc.runId}: ${doc.verdict.toUpperCase()}`
      : `verdict: ${doc.verdict.toUpperCase()}`,
  );
  lines.push('');
  if (doc.move === 'back')
    lines.push(
      `the move back: p${m.partition} from the topology's new node to its old one; below, old is the node it leaves and new the one it goes to. Its ledger check counts the writes of both moves.`,
      '',
    );
  if (!doc.validity.conclusive) {
    const h = inconclusiveHeadline(doc);
    const what = `${h.claim}${h.judged ? ';' : ','} ${h.consequence}`;
    lines.push(md ? `**The run ${what}** (exit 3):` : `the run ${what} (exit 3):`);
    for (const r of doc.validity.reasons) lines.push(`${md ? '- ' : '  - '}${r}`);
    if (doc.validity.advice.length) {
      lines.push(md ? '' : '', 'to change:');
      for (const a of doc.validity.advice) lines.push(`${md ? '- ' : '  - '}${a}`);
    }
    lines.push('');
  }
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
  lines.push('', ...measurementLines(doc, md));
  lines.push('');
  if (md) lines.push('## Checks', '');
  for (const c of doc.checks)
    lines.push(`${md ? '- ' : '  '}${markOf(c.name, c.passed)} ${c.name}: ${c.summary}${noteOf(c.name)}`);
  if (doc.thresholds.length) {
    lines.push('');
    if (md) lines.push('## Thresholds', '');
    for (const t of doc.thresholds) {
      const unit = metricCatalog[t.metric].unit;
      lines.push(
        `${md ? '- ' : '  '}${markOf(t.expression, t.passed)} ${md ? `\`${t.expression}\`` : t.expression}: ${t.actual === undefined ? 'no value (the run never got there)' : `${t.actual} ${unit}`}${noteOf(t.expression)}`,
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
  if (md) lines.push(...statementBreakdownLines(phases));
  if (md) {
    const stages = tpsByStage(reportSeries(doc));
    lines.push('', '## Throughput and latency', '', '| TPS | moved partition | others |', '|---|---|---|');
    for (const s of stages) lines.push(`| ${s.stage} the freeze | ${tps(s.moved)} | ${tps(s.others)} |`);
    lines.push(...routePropagationLines(doc), ...heldSwitchLines(doc));
    const lat = doc.load.latency;
    const moved = lat.byPartition[doc.load.partition];
    lines.push(
      '',
      `p99 latency: ${lat.overall.p99Millis.toFixed(2)} ms over all calls` +
        (moved?.count ? `, ${moved.p99Millis.toFixed(2)} ms on p${doc.load.partition}` : '') +
        `; ${doc.load.totals.ok} calls succeeded at ${doc.load.tps.toFixed(0)} tps with ${doc.load.clients} clients` +
        `; ${skippedText(doc)}.`,
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
    // What a reader comparing two runs must know: who the harness was on the nodes, and what lay between them.
    const { privileges, network } = env.provider;
    if (privileges || network)
      lines.push(
        `<sub>${[privileges && `privileges: ${privileges}`, network && `network: ${network}`].filter(Boolean).join('; ')}</sub>`,
      );
  }
  return lines;
}

/**
 * The switch reaching each session that was on old at it: when it went, in order (PL/Proxy's
 * backends move on their next call of the partition; a pooler's connections at the drain).
 */
export function routePropagationLines(doc: RunDocument): string[] {
  const evidence = checkNamed(doc.checks, 'no stale route')?.evidence;
  if (!evidence?.propagation.length && !evidence?.oldWrites) return [];
  const rows = [...evidence.propagation].sort(
    (a, b) =>
      (a.leftAfterMillis ?? Number.POSITIVE_INFINITY) - (b.leftAfterMillis ?? Number.POSITIVE_INFINITY),
  );
  return [
    '',
    '## Routes on old after the switch',
    '',
    `${evidence.staleCalls.length} call(s) reached old after the switch. ${oldWritesWords(evidence.oldWrites)} Sessions on old at the switch, as they went:`,
    '',
    '| session (pid) | application_name | client | went after the switch |',
    '|---|---|---|---|',
    ...rows.map(
      (p) =>
        `| ${p.pid} | ${p.app || '-'} | ${p.client} | ${p.leftAfterMillis === null ? 'still there at the end, idle since before it' : `${(p.leftAfterMillis / 1000).toFixed(2)} s`} |`,
    ),
  ];
}

function oldWritesWords(seen: OldWritesSeen | undefined): string {
  if (!seen) return '';
  if ('unknown' in seen) return `Whether old's tables took a write after it is unknown (${seen.unknown}).`;
  const written = oldWriteList(seen);
  return written.length
    ? `Old's tables took writes after it: ${written.join(', ')}.`
    : `Old's tables took no write after it (no row from transaction ${seen.sinceXid} on, nothing deleted).`;
}
