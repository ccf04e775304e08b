import type { StatementTiming } from '../migrate/phase-evidence.ts';
import type { PhaseResult } from '../migrate/phase-result.ts';

/** The statements a phase timed one by one (the seed's pre-copy, refresh, vacuum), if any. */
export function phaseStatements(p: PhaseResult): readonly StatementTiming[] {
  if (p.status === 'not-run') return [];
  if (p.name !== 'pre-copy' && p.name !== 'refresh' && p.name !== 'vacuum analyze') return [];
  return p.evidence.statements ?? [];
}

/**
 * report.md's breakdown: each timed statement with its seconds and its share of the phase,
 * so that a slow refresh inside the freeze names the table it spent on.
 */
export function statementBreakdownLines(phases: readonly PhaseResult[]): string[] {
  const timed = phases.filter((p) => phaseStatements(p).length > 0);
  if (timed.length === 0) return [];
  const lines = [
    '',
    '## Where the seed phases spent their time',
    '',
    '| phase | statement | seconds | share |',
    '|---|---|---|---|',
  ];
  for (const p of timed) {
    const total = p.status === 'not-run' ? 0 : (p.endedAt - p.startedAt) / 1000;
    for (const s of phaseStatements(p))
      lines.push(
        `| ${p.name} | \`${s.statement}\` | ${s.seconds.toFixed(2)} | ${total > 0 ? `${Math.round((s.seconds / total) * 100)}%` : ''} |`,
      );
  }
  return lines;
}
