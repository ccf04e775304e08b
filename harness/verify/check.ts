import type { CheckName } from '../config/config-types.ts';
import type { ErrorSample } from '../load/error-samples.ts';
import type { ParityPhaseEvidence } from '../migrate/phase-evidence.ts';
import type { StallDistribution } from './held-stalls.ts';
import type { StaleRouteCheck } from './stale-route.ts';
import type { Dip } from './tps-recovery.ts';

/**
 * One check's result: its name picks the type of its evidence, so metrics and reports read
 * typed fields (a renamed field is a compile error, not a metric that silently vanishes).
 */
export interface CheckOf<N extends string, E> {
  readonly name: N;
  readonly passed: boolean;
  readonly summary: string;
  readonly evidence: E;
}

export interface ReadsEvidence {
  readonly fromSecond: number;
  readonly reads: number;
  readonly failures: number;
  readonly skipped: number;
  readonly secondsWithoutReads: readonly number[];
  readonly secondsWithoutReplies: readonly number[];
  readonly secondsAllSkipped: readonly number[];
  readonly errors: readonly ErrorSample[];
}

export interface WriteRejectionEvidence {
  readonly rejections: number;
  readonly outsideFreeze: number;
  readonly onOtherPartitions: number;
  readonly otherFailuresOnMoved: number;
  readonly window: { readonly from: number; readonly until: number };
  /** A held switch: how long the moved partition's writes waited in it, against the limit. */
  readonly held?: { readonly stalls: StallDistribution; readonly limitMillis: number } | undefined;
}

/** What the parity phase recorded (its report, the pace, writes old took after the barrier); empty when it never ran. */
export type ParityEvidence = ParityPhaseEvidence;

export interface NoAckLostEvidence {
  readonly acknowledged: number;
  readonly missing: number;
  readonly missingExamples: readonly number[];
  readonly committedOnOldAfterBarrier: number;
  readonly indeterminate: number;
  readonly checkedOn: 'old' | 'new';
}

/** Empty when the migration never reached the switch: nothing recovered from anything. */
export interface TpsRecoveryEvidence {
  readonly movedBaseline?: number;
  readonly othersBaseline?: number;
  readonly movedRecoverySeconds?: number | undefined;
  readonly othersRecoverySeconds?: number | undefined;
  readonly recoverySeconds?: number | undefined;
  readonly limitSeconds?: number;
  /** Seconds from the switch until PL/Proxy's connections were back, measured on old and new. */
  readonly switchStormSeconds?: number | undefined;
  readonly expectedStormSeconds?: number;
  readonly othersLowestWindow?: number;
  readonly othersLowestShare?: number;
  readonly othersSecondsBelow?: number;
  /** This host's busiest second (CPU busy share, 0..1) in the others' lowest window; absent where the nodes are not on it. */
  readonly othersLowestWindowHostBusy?: number | undefined;
  readonly movedLowestShareAfterSwitch?: number;
  readonly othersAtFreeze?: Dip;
  readonly othersAtSwitch?: Dip;
  readonly windowSeconds?: number;
  readonly baseline?: { readonly startSecond: number; readonly endSecond: number };
  readonly moved?: readonly number[];
  readonly others?: readonly number[];
  readonly freezeSecond?: number;
  readonly switchSecond?: number;
}

export interface FaultInvariantsEvidence {
  readonly fault: unknown;
  readonly outcome: string;
  readonly home: string;
  readonly readOnly: boolean | undefined;
  readonly problems: readonly string[];
}

export type ReadsCheck = CheckOf<'reads', ReadsEvidence>;
export type WriteRejectionCheck = CheckOf<'write rejection', WriteRejectionEvidence>;
export type ParityCheck = CheckOf<'parity', ParityEvidence>;
export type NoAckLostCheck = CheckOf<'no acknowledged write lost', NoAckLostEvidence>;
export type TpsRecoveryCheck = CheckOf<'tps recovery', TpsRecoveryEvidence>;
export type FaultInvariantsCheck = CheckOf<'fault invariants', FaultInvariantsEvidence>;

/** A rehearsal's checks: the six, and the fault invariants under an injected fault. */
export type Check =
  | ReadsCheck
  | WriteRejectionCheck
  | ParityCheck
  | NoAckLostCheck
  | TpsRecoveryCheck
  | StaleRouteCheck
  | FaultInvariantsCheck;

/** Every check name is a variant of Check: a name added to one and not the other fails here. */
const _sameNames: [CheckName] extends [Check['name']]
  ? [Check['name']] extends [CheckName]
    ? true
    : never
  : never = true;
void _sameNames;

/** The check of that name, typed as it is; undefined when the run did not make one. */
export function checkNamed<N extends Check['name']>(
  checks: readonly Check[],
  name: N,
): Extract<Check, { name: N }> | undefined {
  return checks.find((c): c is Extract<Check, { name: N }> => c.name === name);
}
