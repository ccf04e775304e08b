import type { Validity } from '../rehearsal/validity.ts';
import type { Check } from './checks.ts';
import type { ThresholdOutcome } from './run-metrics.ts';

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** The CLI's exit codes; inconclusive has its own, so a CI gate can tell "unsound" from "broken". */
export const exitCodes = { pass: 0, fail: 1, badInput: 2, inconclusive: 3 } as const;

export function exitCodeOf(verdict: Verdict): number {
  return exitCodes[verdict];
}

/**
 * A scenario may declare a check or a threshold expected to fail, with the reason (pytest's
 * xfail): a known weakness of the procedure it rehearses. Keys are check names or threshold
 * expressions as the scenario writes them.
 */
export type ExpectedFailures = Readonly<Record<string, string>>;

export interface Outcome {
  readonly kind: 'check' | 'threshold';
  /** The check's name, or the threshold's expression. */
  readonly name: string;
  readonly passed: boolean;
  /** Why the scenario expects it to fail, when it does. */
  readonly expectedFailure: string | undefined;
  readonly asExpected: boolean;
  /** How to read it: empty when it passed as it should. */
  readonly note: string;
}

function outcome(kind: Outcome['kind'], name: string, passed: boolean, expected: ExpectedFailures): Outcome {
  const reason = Object.hasOwn(expected, name) ? expected[name] : undefined;
  if (reason === undefined)
    return { kind, name, passed, expectedFailure: undefined, asExpected: passed, note: '' };
  return {
    kind,
    name,
    passed,
    expectedFailure: reason,
    asExpected: !passed,
    note: passed ? `unexpected pass: the weakness is gone (${reason})` : `expected failure: ${reason}`,
  };
}

export function outcomes(
  checks: readonly Pick<Check, 'name' | 'passed'>[],
  thresholds: readonly Pick<ThresholdOutcome, 'expression' | 'passed'>[],
  expected: ExpectedFailures,
): Outcome[] {
  return [
    ...checks.map((c) => outcome('check', c.name, c.passed, expected)),
    ...thresholds.map((t) => outcome('threshold', t.expression, t.passed, expected)),
  ];
}

/**
 * Inconclusive when the run could not measure what it claims; otherwise pass when every
 * outcome is as declared (a declared failure that now passes is a difference too) and
 * nothing else went wrong (`sound`: the migration ended where it should, old was dropped).
 */
export function verdictOf(validity: Validity, judged: readonly Outcome[], sound: boolean): Verdict {
  if (!validity.conclusive) return 'inconclusive';
  return sound && judged.every((o) => o.asExpected) ? 'pass' : 'fail';
}

/** Declared expectations that name nothing the run judges: a typo would silently expect nothing. */
export function unknownExpectations(
  expected: ExpectedFailures,
  checkNames: readonly string[],
  thresholds: readonly string[],
): string[] {
  return Object.keys(expected).filter((k) => !checkNames.includes(k) && !thresholds.includes(k));
}
