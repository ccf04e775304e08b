import { checkNamed } from '../verify/check.ts';
import { type StallDistribution, stallBucketsMillis } from '../verify/held-stalls.ts';
import type { RunDocument } from './run-document.ts';

/** A held switch's stalls, if the run held: the distribution the report shows. */
export function heldStalls(doc: Pick<RunDocument, 'checks'>): StallDistribution | undefined {
  return checkNamed(doc.checks, 'write rejection')?.evidence.held?.stalls;
}

/** The stall buckets as rows: range, writes. */
export function stallRows(stalls: StallDistribution): [string, number][] {
  return stalls.buckets.map((n, i) => {
    const low = i === 0 ? 0 : stallBucketsMillis[i - 1];
    const high = stallBucketsMillis[i];
    return [high === undefined ? `over ${low} ms` : `${low}-${high} ms`, n];
  });
}

export function stallWords(s: StallDistribution): string {
  return `${s.calls} writes were held up by the switch: p50 ${s.p50Millis} ms, p90 ${s.p90Millis} ms, p99 ${s.p99Millis} ms, longest ${s.maxMillis} ms.`;
}

/** report.md's section on a held switch: how long the moved partition's writes waited in it. */
export function heldSwitchLines(doc: Pick<RunDocument, 'checks'>): string[] {
  const stalls = heldStalls(doc);
  if (!stalls) return [];
  return [
    '',
    '## Held switch: how long writes waited',
    '',
    `${stallWords(stalls)} None was rejected by the hold; the pooler released them on the partition's new home.`,
    '',
    '| waited | writes |',
    '|---|---|',
    ...stallRows(stalls).map(([range, n]) => `| ${range} | ${n} |`),
  ];
}
