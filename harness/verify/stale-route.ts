import { markedPhase } from '../migrate/phase-result.ts';
import type { MigrationResult } from '../migrate/run-migration.ts';
import type { CheckOf } from './check.ts';

/** One session on old's shard as the route watch saw it; times in epoch ms on this host's clock, but for the call's. */
export interface RouteSession {
  readonly pid: number;
  readonly app: string;
  readonly client: string;
  readonly firstSeenAt: number;
  lastSeenAt: number;
  /** When its calls started, on old's clock, each once as sampled: a call is a transaction (rehearsal/call-sightings.ts). */
  readonly callStartsOnOldClock: number[];
}

/** Rows committed on old's shard by transactions that started after the switch, per table. */
export interface OldWrites {
  /** The first transaction id old handed out after the switch: rows with an xmin at or past it are writes since. */
  readonly sinceXid: number;
  /** Tables with such rows (inserted or updated): how many rows each. */
  readonly rowsByTable: Readonly<Record<string, number>>;
  /** Rows deleted on old since the switch, by its statistics (the load never deletes). */
  readonly deletedRows: number;
}

/** Old's tables read after the switch, or why they could not be. */
export type OldWritesSeen = OldWrites | { readonly unknown: string };

export interface RouteWatch {
  readonly from: number;
  readonly until: number;
  readonly intervalMillis: number;
  readonly failedSamples: number;
  /** When each sample was taken (epoch ms, this host's clock); their count is the samples'. */
  readonly sampledAt: readonly number[];
  /** old's clock minus this host's, the median over the samples. */
  readonly clockOffsetMillis: number;
  readonly sessions: readonly RouteSession[];
  /** Absent when the switch did not end. */
  readonly oldWrites?: OldWritesSeen | undefined;
}

export interface StaleCall {
  readonly pid: number;
  readonly app: string;
  readonly client: string;
  /** When its first call after the switch started on old. */
  readonly afterSwitchMillis: number;
  /** Its calls seen starting on old after the switch. */
  readonly callsAfterSwitch: number;
}

export interface RoutePropagation {
  readonly pid: number;
  readonly app: string;
  readonly client: string;
  /**
   * When the session was last seen on old, from the start of the switch (the routing changes
   * inside it, and PL/Proxy's backends leave old on their next call, often before the switch
   * phase has returned); null: still there at the end, idle since before the switch.
   */
  readonly leftAfterMillis: number | null;
}

export interface StaleRouteEvidence {
  /** The switch phase's start and end (epoch ms): propagation is counted from the start, stale calls from the end. */
  readonly switchStartedAt?: number;
  readonly switchAt?: number;
  readonly watched?: {
    readonly from: number;
    readonly until: number;
    readonly samples: number;
    readonly failedSamples: number;
  };
  readonly staleCalls: readonly StaleCall[];
  /** Each session on old at the switch: when it went (the switch reaching that proxy backend or pooler connection). */
  readonly propagation: readonly RoutePropagation[];
  readonly slowestPropagationMillis?: number | undefined;
  /** Rows written on old's tables after the switch, through any session: none on a clean move. */
  readonly oldWrites?: OldWritesSeen | undefined;
}

export type StaleRouteCheck = CheckOf<'no stale route', StaleRouteEvidence>;

/**
 * A call the proxy routed just before the switch may reach old after it ends: the routing is
 * read when the call starts, and the query is sent once the backend's connection to old is
 * open, which during a reconnection storm takes as long as the storm. That is one call in
 * flight per session, never two: the backend's next call reads the new routing. So a
 * session with two calls on old after the switch is a stale route, and so is one call later
 * than this grace (the run passes one reconnection storm of its host when that is longer).
 */
export const inFlightGraceMillis = 1000;

function staleCallWords(staleCalls: readonly StaleCall[]): string {
  return `${staleCalls.length} session(s) called old after the switch: ${staleCalls
    .slice(0, 3)
    .map(
      (c) =>
        `pid ${c.pid} (${c.app || 'no application_name'}, ${c.client}) from ${(c.afterSwitchMillis / 1000).toFixed(2)} s after it, ${c.callsAfterSwitch} call(s) seen`,
    )
    .join('; ')}`;
}

/** Each write old's tables took after the switch, in words: rows per table, then deletes. */
export function oldWriteList(writes: OldWrites): string[] {
  const list = Object.entries(writes.rowsByTable).map(([table, rows]) => `${rows} row(s) in ${table}`);
  if (writes.deletedRows > 0) list.push(`${writes.deletedRows} row(s) deleted`);
  return list;
}

/** What old's tables took after the switch, in words; undefined when nothing. */
function describeOldWrites(seen: OldWritesSeen | undefined): { written: boolean; words?: string } {
  if (!seen) return { written: false };
  if ('unknown' in seen)
    return { written: false, words: `whether old's tables took a write is unknown: ${seen.unknown}` };
  const tables = oldWriteList(seen);
  return tables.length
    ? { written: true, words: `old's tables were written after the switch: ${tables.join(', ')}` }
    : { written: false };
}

/**
 * No route leads to old's shard after the switch: no row written on old's tables by a
 * transaction that started after it, no session calling old twice after it, nor once past
 * the grace for a call in flight. A session still on old at the end that has not
 * called since before the switch is reported (its backend has not called p<N> since) but is
 * no stale route: nothing reached old through it.
 */
export function staleRouteCheck(
  watch: RouteWatch | undefined,
  migration: MigrationResult,
  graceMillis: number = inFlightGraceMillis,
): StaleRouteCheck {
  const switched = markedPhase(migration.phases, 'switch');
  if (switched?.status !== 'ok') {
    return {
      name: 'no stale route',
      passed: true,
      summary: 'no switch: the partition stayed on old',
      evidence: { staleCalls: [], propagation: [] },
    };
  }
  const switchAt = switched.endedAt;
  const switchStartedAt = switched.startedAt;
  if (!watch || watch.sampledAt.length === 0) {
    return {
      name: 'no stale route',
      passed: false,
      summary: "old's sessions could not be watched: whether a route stayed on old is unknown",
      evidence: { switchStartedAt, switchAt, staleCalls: [], propagation: [] },
    };
  }
  const end = watch.until - 2 * watch.intervalMillis;
  const onThisClock = (t: number) => t - watch.clockOffsetMillis;
  const staleCalls = watch.sessions.flatMap((s) => {
    const after = s.callStartsOnOldClock.map(onThisClock).filter((t) => t > switchAt);
    const first = after[0];
    if (first === undefined || (after.length < 2 && first <= switchAt + graceMillis)) return [];
    return [
      {
        pid: s.pid,
        app: s.app,
        client: s.client,
        afterSwitchMillis: Math.round(first - switchAt),
        callsAfterSwitch: after.length,
      },
    ];
  });
  // On old at the switch: seen before it started, and still there in the last sample taken
  // before it started (or in one after). A sample takes its interval and a query's time.
  const lastSampleBefore = Math.max(
    ...watch.sampledAt.filter((t) => t <= switchStartedAt),
    Number.NEGATIVE_INFINITY,
  );
  const propagation = watch.sessions
    .filter((s) => s.firstSeenAt <= switchStartedAt && s.lastSeenAt >= lastSampleBefore)
    .map((s) => ({
      pid: s.pid,
      app: s.app,
      client: s.client,
      leftAfterMillis: s.lastSeenAt >= end ? null : Math.max(0, Math.round(s.lastSeenAt - switchStartedAt)),
    }));
  const left = propagation.flatMap((p) => (p.leftAfterMillis === null ? [] : [p.leftAfterMillis]));
  const stillThere = propagation.length - left.length;
  const slowest = left.length ? Math.max(...left) : undefined;
  const writes = describeOldWrites(watch.oldWrites);
  const gone = `${left.length} of the ${propagation.length} session(s) on old at the switch went${slowest === undefined ? '' : `, the last ${(slowest / 1000).toFixed(2)} s after it began`}${stillThere ? `; ${stillThere} still there, idle since before it` : ''}`;
  return {
    name: 'no stale route',
    passed: staleCalls.length === 0 && !writes.written,
    summary: [
      ...(writes.written ? [writes.words] : []),
      ...(staleCalls.length ? [staleCallWords(staleCalls)] : []),
      ...(writes.written || staleCalls.length
        ? []
        : [`no call reached old after the switch; ${gone}`, writes.words]),
    ]
      .filter(Boolean)
      .join('; '),
    evidence: {
      switchStartedAt,
      switchAt,
      watched: {
        from: watch.from,
        until: watch.until,
        samples: watch.sampledAt.length,
        failedSamples: watch.failedSamples,
      },
      staleCalls,
      propagation,
      slowestPropagationMillis: slowest,
      oldWrites: watch.oldWrites,
    },
  };
}
