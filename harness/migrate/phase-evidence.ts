import type { FreezeMethod, StepMark, StepTarget } from '../config/config-types.ts';
import type { ParityPace, ParityReport } from '../parity/compare-tables.ts';
import type { ReadinessItem } from '../readiness/readiness.ts';

/** What routing the partition records: PL/Proxy's new connstring, or the pooler's retarget and drain. */
export interface RouteEvidence {
  connstring?: string;
  pooler?: string;
  drainedMillis?: number;
  connectionsDrained?: number;
  connectionsStillOnOld?: number;
}

export interface BarrierEvidence {
  method?: string;
  oldLoginLogRows?: number | undefined;
  proxyTransactionsBeforeFreezeAtTimeout?: number;
  /** How long work begun before the freeze (on the proxy, then on old) was given before being terminated. */
  waitLimitMillis?: number;
  proxyBackendsTerminated?: number;
  proxyWaitMillis?: number;
  waitedMillis?: number;
  inFlightOnOld?: number;
  inFlightAtTimeout?: number;
  terminatedSessions?: number;
}

export interface ParityPhaseEvidence {
  pace?: ParityPace;
  report?: ParityReport;
  /** login_log rows old took after the barrier: missing from new, so the move must not go on. */
  oldWritesAfterBarrier?: number;
  comparedNewAt?: string;
  /** recover's parity: the summary of the comparison with old. */
  parity?: string;
}

export interface CatchUpEvidence {
  markerLsn?: string | undefined;
  waitedMillis?: number;
  /** In a held switch: what was left of the hold's deadline when the catch-up began. */
  deadlineLeftMillis?: number;
}

/** A held switch's retarget and release, beside the routing. */
export interface HeldSwitchEvidence {
  /** From the PAUSE's return to the RESUME's: how long new calls to the partition waited at most. */
  heldMillis?: number;
  resumed?: boolean;
}

/**
 * One statement of a phase's SQL file and its seconds: where a phase inside the freeze spends
 * its time (the seed's refresh is three REFRESH MATERIALIZED VIEW CONCURRENTLY, one a table).
 */
export interface StatementTiming {
  /** The statement, its whitespace collapsed. */
  readonly statement: string;
  readonly seconds: number;
}

/**
 * Every phase's name, and what it records as it runs: the name picks the type, so a phase
 * writes, and a check or a report reads, named fields, and a renamed one does not compile.
 * A phase records as it goes, so every field is optional: a phase that failed part way has
 * some.
 */
export interface PhaseEvidence {
  readiness: { go?: boolean; items?: readonly ReadinessItem[] };
  'prepare new': { fdwTarget?: string };
  'pre-copy': { statements?: StatementTiming[] };
  freeze: { method?: FreezeMethod; partition?: string; lockAttempts?: number };
  'freeze barrier': BarrierEvidence;
  refresh: { statements?: StatementTiming[] };
  copy: { loginLog?: string; rows?: Record<string, number | undefined> };
  'vacuum analyze': { statements?: StatementTiming[] };
  'matviews to tables': { needed?: string; loginLog?: string };
  'create tables': Record<never, never>;
  'primary keys': Record<never, never>;
  parity: ParityPhaseEvidence;
  switch: RouteEvidence & HeldSwitchEvidence & { oldWritesAfterBarrier?: number };
  'fill pool': { poolSize?: number; servers?: number; filledMillis?: number };
  hold: { pausedMillis?: number; loginsAtPause?: number };
  release: { resumed?: boolean };
  'drop fdw': { dropped?: string };
  publish: { tables?: string[] };
  subscribe: { source?: string };
  'initial sync': { waitedMillis?: number };
  'open connections': { pinned?: string[] };
  'warm catch-up': CatchUpEvidence;
  'catch-up': CatchUpEvidence;
  detach: Record<never, never>;
  'unfreeze on old': RouteEvidence & { triggersDropped?: boolean };
  'drop replication': { dropped?: string[] };
  'drop the copy on new': { dropped?: boolean };
  'drop old': Record<never, never>;
  /** A step the case wrote (its result carries the user's name): the file, where it ran, and where it failed. */
  'sql step': {
    file?: string;
    on?: StepTarget;
    statements?: number;
    marks?: StepMark;
    line?: number;
    sqlstate?: string | undefined;
  };
}

export type PhaseName = keyof PhaseEvidence;
