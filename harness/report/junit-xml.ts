import { escapeHtml } from './html-report.ts';
import type { RunDocument } from './run-document.ts';

/**
 * The run's checks and thresholds as JUnit XML, one testcase each, for a CI system's test
 * view: an outcome as the case declares it passes (an expected failure says so in its
 * system-out), one that differs fails with its note; an inconclusive run is one error.
 */
export function junitXml(doc: RunDocument): string {
  const suite = `shardmove ${doc.scenario ?? 'run'}`;
  const check = (name: string) => doc.checks.find((c) => c.name === name)?.summary ?? '';
  const cases = doc.outcomes.map((o) => {
    const name = `${o.kind}: ${o.name}`;
    const detail = o.kind === 'check' ? check(o.name) : o.note;
    if (!o.asExpected)
      return `    <testcase classname="${escapeHtml(suite)}" name="${escapeHtml(name)}"><failure message="${escapeHtml(o.note || 'failed')}">${escapeHtml(detail)}</failure></testcase>`;
    const out = o.expectedFailure ? `<system-out>${escapeHtml(o.note)}</system-out>` : '';
    return `    <testcase classname="${escapeHtml(suite)}" name="${escapeHtml(name)}">${out}</testcase>`;
  });
  const inconclusive = doc.verdict === 'inconclusive';
  if (inconclusive)
    cases.push(
      `    <testcase classname="${escapeHtml(suite)}" name="validity"><error message="inconclusive">${escapeHtml(doc.validity.reasons.join('\n'))}</error></testcase>`,
    );
  const failures = doc.outcomes.filter((o) => !o.asExpected).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="shardmove" tests="${cases.length}" failures="${failures}" errors="${inconclusive ? 1 : 0}">`,
    `  <testsuite name="${escapeHtml(suite)}" tests="${cases.length}" failures="${failures}" errors="${inconclusive ? 1 : 0}" timestamp="${new Date(doc.load.startEpochMillis).toISOString()}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
