import type { MigrationStrategy, ProviderName } from '../config/config-types.ts';
import type { NodeSessions } from '../db/node-session.ts';

/** What can make a move fail or lose data, each checked before anything changes. */
export type ReadinessCause =
  | 'function surface'
  | 'extensions'
  | 'table keys'
  | 'open transactions'
  | 'replication capacity'
  | 'privileges'
  | 'connections on new'
  | 'disk space on new'
  | 'clock skew';

/**
 * go: checked and fine. no-go: checked, and the move would fail or lose data. unknown: could
 * not be checked from here (a privilege, a figure SQL does not show); said, never guessed.
 */
export type ReadinessAnswer = 'go' | 'no-go' | 'unknown';

export interface ReadinessItem {
  readonly cause: ReadinessCause;
  readonly answer: ReadinessAnswer;
  /** One line: what was found. */
  readonly detail: string;
  /** For no-go: each thing that is wrong, named (a function, a session, a table). */
  readonly reasons: readonly string[];
}

export interface Readiness {
  /** go when no item is no-go; unknown items are listed, not counted against it. */
  readonly go: boolean;
  readonly strategy: MigrationStrategy;
  readonly database: string;
  readonly items: readonly ReadinessItem[];
}

export interface ReadinessInput {
  readonly sessions: NodeSessions;
  readonly provider: ProviderName;
  readonly strategy: MigrationStrategy;
  /** The moved shard's database (db23), on old and, once prepared, on new. */
  readonly database: string;
  readonly proxyDatabase: string;
  /** Tables the move carries. */
  readonly tables: readonly string[];
  /** Tables the proxy only appends to (the seed's login_log): no key needed to replicate them. */
  readonly appendOnlyTables: readonly string[];
  /**
   * Proxy backends that will open a connection to new for the moved partition, beyond the
   * ones connected to old's shard now (which are counted): a staging target at rest has none.
   */
  readonly expectedProxyBackends: number;
  /** A transaction on old's shard older than this is one the freeze's lock would wait on. */
  readonly longTransactionMillis: number;
  /** Beyond this, the nodes' clocks disagree more than the run's timeline can bear. */
  readonly maxClockSkewMillis: number;
}

export const go = (cause: ReadinessCause, detail: string): ReadinessItem => ({
  cause,
  answer: 'go',
  detail,
  reasons: [],
});

export const noGo = (cause: ReadinessCause, detail: string, reasons: readonly string[]): ReadinessItem => ({
  cause,
  answer: 'no-go',
  detail,
  reasons,
});

export const unknown = (cause: ReadinessCause, detail: string): ReadinessItem => ({
  cause,
  answer: 'unknown',
  detail,
  reasons: [],
});
