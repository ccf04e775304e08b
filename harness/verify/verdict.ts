import type { Check } from './check.ts';
import type { ThresholdOutcome } from './run-metrics.ts';

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** Whether the run measured what it claims; a run that did not is inconclusive, not failed. */
export interface Validity {
  readonly conclusive: boolean;
  readonly reasons: readonly string[];
  /** What to change so the next run can judge: rate, clients, profile. */
  readonly advice: readonly string[];
}

export const conclusive: Validity = { conclusive: true, reasons: [], advice: [] };

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
  /** Why the run could not judge it, when it could not: it then decides nothing. */
  readonly unknown?: string | undefined;
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
  thresholds: readonly Pick<ThresholdOutcome, 'expression' | 'passed' | 'unknown'>[],
  expected: ExpectedFailures,
): Outcome[] {
  return [
    ...checks.map((c) => outcome('check', c.name, c.passed, expected)),
    ...thresholds.map((t) => {
      const o = outcome('threshold', t.expression, t.passed, expected);
      return t.unknown && !o.asExpected ? { ...o, unknown: t.unknown, note: `unknown: ${t.unknown}` } : o;
    }),
  ];
}

/**
 * Inconclusive when the run could not measure what it claims; otherwise pass when every
 * outcome is as declared (a declared failure that now passes is a difference too) and
 * nothing else went wrong (`sound`: the migration ended where it should, old was dropped).
 * An outcome the run could not judge decides nothing: when it is the only difference, the
 * verdict is inconclusive, never fail; beside a real failure, fail.
 */
export function verdictOf(validity: Validity, judged: readonly Outcome[], sound: boolean): Verdict {
  if (!validity.conclusive) return 'inconclusive';
  const differing = judged.filter((o) => !o.asExpected);
  if (sound && differing.length === 0) return 'pass';
  return sound && differing.every((o) => o.unknown !== undefined) ? 'inconclusive' : 'fail';
}

/** The run's validity once judged: outcomes it could not judge make it inconclusive, with their reasons. */
export function judgedValidity(validity: Validity, judged: readonly Outcome[]): Validity {
  const unknown = judged.filter((o) => !o.asExpected && o.unknown !== undefined);
  if (unknown.length === 0) return validity;
  return {
    conclusive: false,
    reasons: [...validity.reasons, ...unknown.map((o) => `${o.name}: ${o.unknown}`)],
    advice: [
      ...validity.advice,
      'a host with more cores, or the external provider (nodes on their own hosts), or a lower --rate: the move needs CPU beside the load',
    ],
  };
}

/** Declared expectations that name nothing the run judges: a typo would silently expect nothing. */
export function unknownExpectations(
  expected: ExpectedFailures,
  checkNames: readonly string[],
  thresholds: readonly string[],
): string[] {
  return Object.keys(expected).filter((k) => !checkNames.includes(k) && !thresholds.includes(k));
}
