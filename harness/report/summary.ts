import type { RehearsalResult } from '../rehearsal/run-rehearsal.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The verdict, the phases, the freeze window and the checks, for a terminal or Markdown. */
export function summaryLines(result: RehearsalResult, format: 'text' | 'markdown'): string[] {
  const md = format === 'markdown';
  const m = result.migration;
  const lines: string[] = [];
  lines.push(
    md
      ? `# shardmove run ${result.runId}: ${result.verdict.toUpperCase()}`
      : `verdict: ${result.verdict.toUpperCase()}`,
  );
  lines.push('');
  lines.push(
    `strategy \`${m.strategy}\`, p${m.partition}, logs \`${m.logs}\`, provider ${result.provider}: ${m.outcome} (${m.state})`.replaceAll(
      '`',
      md ? '`' : '',
    ),
  );
  lines.push('');
  if (md) lines.push('| phase | status | duration |', '|---|---|---|');
  for (const p of [...m.phases, ...m.rollback, ...(result.dropOld ? [result.dropOld] : [])]) {
    const duration = p.status === 'not-run' ? '' : seconds(p.endedAt - p.startedAt);
    const status = p.status === 'failed' ? `failed: ${p.error}` : p.status;
    lines.push(
      md
        ? `| ${p.name} | ${status} | ${duration} |`
        : `  ${p.name.padEnd(18)} ${status.padEnd(8)} ${duration}`,
    );
  }
  lines.push('');
  const fw = result.freezeWindow;
  lines.push(
    `freeze window (client-observed, first rejected to first accepted write on p${m.partition}): ` +
      (fw.seconds === undefined
        ? fw.rejections
          ? 'no accepted write after the last rejection'
          : 'no write was rejected'
        : `${fw.seconds.toFixed(2)} s, ${fw.rejections} writes rejected`),
  );
  lines.push('');
  for (const c of result.checks)
    lines.push(
      `${md ? '- ' : '  '}${c.passed ? (md ? '✅' : 'ok  ') : md ? '❌' : 'FAIL'} ${c.name}: ${c.summary}`,
    );
  return lines;
}
