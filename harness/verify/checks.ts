import type { RecoveryLimits } from '../config/config-types.ts';
import { onNode } from '../db/node-session.ts';
import { ackedCounts, mergeLedgers, type WriteLedger } from '../load/ledger.ts';
import type { LoadResult } from '../load/run-load.ts';
import { emptyCounts, failedTotal, okPerSecond } from '../load/samples.ts';
import type { MigrationContext } from '../migrate/migration-context.ts';
import { markedPhase, phase } from '../migrate/phase-result.ts';
import type { MigrationResult } from '../migrate/run-migration.ts';
import { compareTables, shardTablesOf } from '../parity/compare-tables.ts';
import type {
  NoAckLostCheck,
  ParityCheck,
  ReadsCheck,
  TpsRecoveryCheck,
  WriteRejectionCheck,
} from './check.ts';
import { stallDistribution } from './held-stalls.ts';
import { dip, mean, recoverySeconds, windowMax } from './tps-recovery.ts';

export interface FreezeWindow {
  firstRejectionAt: number | undefined;
  lastRejectionAt: number | undefined;
  firstAcceptedAfterAt: number | undefined;
  /** Client-observed: first rejected call to the first write accepted after the last rejected call, seconds. */
  seconds: number | undefined;
  rejections: number;
}

const readScripts = ['query_pk', 'query_smalltbl'];
const noCounts = emptyCounts();

/** Seconds that ended before the load did (the last one is partial). */
function fullSeconds(load: LoadResult) {
  const count = Math.floor((load.endEpochMillis - load.startEpochMillis) / 1000);
  return load.seconds.filter((s) => s.second < count);
}

export function freezeWindow(load: LoadResult, partition: number): FreezeWindow {
  const ledger = load.ledger[partition];
  const rejected = ledger?.rejectedAt ?? [];
  if (rejected.length === 0) {
    return {
      firstRejectionAt: undefined,
      lastRejectionAt: undefined,
      firstAcceptedAfterAt: undefined,
      seconds: undefined,
      rejections: 0,
    };
  }
  // Loops, not Math.min(...xs): a long run's ledger exceeds the engine's argument limit.
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of rejected) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  let firstAccepted: number | undefined;
  for (const t of ledger?.ackedAt ?? [])
    if (t > last && (firstAccepted === undefined || t < firstAccepted)) firstAccepted = t;
  return {
    firstRejectionAt: first,
    lastRejectionAt: last,
    firstAcceptedAfterAt: firstAccepted,
    seconds: firstAccepted === undefined ? undefined : (firstAccepted - first) / 1000,
    rejections: rejected.length,
  };
}

/**
 * Reads of the moved partition from `fromSecond` on (the baseline's start: the warm-up
 * before it opens every connection on purpose and is not part of what is judged).
 */
export function readsCheck(load: LoadResult, fromSecond = 0): ReadsCheck {
  const seconds = fullSeconds(load).filter((s) => s.second >= fromSecond);
  const failures = seconds.reduce(
    (n, s) => n + readScripts.reduce((m, r) => m + (s.scripts[r] ? failedTotal(s.scripts[r]) : 0), 0),
    0,
  );
  // A second is served when a read due in it succeeded, however late: lateness is what the
  // latency figures measure, and a reconnection storm can hold every reply past a second
  // boundary without a single read failing.
  // Skipped under the latency limit is neither failed nor served: such seconds are reported apart.
  const allSkipped = (s: (typeof seconds)[number]) =>
    readScripts.some((r) => (s.scripts[r]?.skipped ?? 0) > 0) &&
    readScripts.every((r) => (s.servedByDue[r] ?? 0) === 0 && failedTotal(s.scripts[r] ?? noCounts) === 0);
  const skippedSeconds = seconds.filter(allSkipped).map((s) => s.second);
  const empty = seconds
    .filter((s) => readScripts.every((r) => (s.servedByDue[r] ?? 0) === 0) && !allSkipped(s))
    .map((s) => s.second);
  const skipped = seconds.reduce(
    (n, s) => n + readScripts.reduce((m, r) => m + (s.scripts[r]?.skipped ?? 0), 0),
    0,
  );
  const noReplies = seconds
    .filter((s) => readScripts.every((r) => (s.scripts[r]?.ok ?? 0) === 0))
    .map((s) => s.second);
  const reads = seconds.reduce((n, s) => n + readScripts.reduce((m, r) => m + (s.scripts[r]?.ok ?? 0), 0), 0);
  const errors = load.errors.samples.filter((e) => readScripts.includes(e.script));
  const first = errors[0];
  return {
    name: 'reads',
    passed: failures === 0 && empty.length === 0 && reads > 0,
    summary:
      `${reads} reads of the moved partition, ${failures} failed, ${empty.length} seconds whose reads all failed or never came` +
      (noReplies.length ? ` (${noReplies.length} s without a reply: reads held up, not failed)` : '') +
      (skipped ? `; ${skipped} skipped under the latency limit` : '') +
      (skippedSeconds.length
        ? ` (${skippedSeconds.length} s in which every read was skipped: held up past the limit, not failed)`
        : '') +
      (first ? ` (first: ${first.script} ${first.sqlstate ?? first.errorClass}: ${first.message})` : ''),
    evidence: {
      fromSecond,
      reads,
      failures,
      skipped,
      secondsWithoutReads: empty,
      secondsWithoutReplies: noReplies,
      secondsAllSkipped: skippedSeconds,
      errors,
    },
  };
}

export function writeRejectionCheck(
  load: LoadResult,
  migration: MigrationResult,
  partition: number,
  stallLimitMillis: number,
): WriteRejectionCheck {
  const freeze = markedPhase(migration.phases, 'freeze');
  const end =
    markedPhase(migration.phases, 'switch')?.status === 'ok'
      ? markedPhase(migration.phases, 'switch')
      : migration.rollback[0];
  // Rejections are timed by when the call was sent: only calls sent between the start of the
  // freeze and the end of the switch (or of the unfreeze) may be rejected.
  const from = freeze && freeze.status !== 'not-run' ? freeze.startedAt : Number.POSITIVE_INFINITY;
  const until = end && end.status !== 'not-run' ? end.endedAt : Number.POSITIVE_INFINITY;
  const rejectedAt = load.ledger[partition]?.rejectedAt ?? [];
  const outside = rejectedAt.filter((t) => t < from || t > until).length;
  const elsewhere = load.seconds.reduce(
    (n, s) => n + s.partitions.reduce((m, p, i) => m + (i === partition ? 0 : p.failed.read_only), 0),
    0,
  );
  const otherFailures = load.seconds.reduce((n, s) => {
    const p = s.partitions[partition];
    return n + (p ? p.failed.connection + p.failed.serialization + p.failed.other : 0);
  }, 0);
  const evidence = {
    rejections: rejectedAt.length,
    outsideFreeze: outside,
    onOtherPartitions: elsewhere,
    otherFailuresOnMoved: otherFailures,
    window: { from, until },
  };
  const { holdAt, releasedAt } = migration.marks;
  if (holdAt !== undefined) {
    // Held, not frozen: no write may be rejected at all, and none may wait past the limit.
    const stalls = stallDistribution(load.ledger[partition], holdAt, releasedAt ?? until);
    return {
      name: 'write rejection',
      passed: rejectedAt.length === 0 && elsewhere === 0 && stalls.maxMillis <= stallLimitMillis,
      summary:
        `held switch: ${rejectedAt.length} writes to p${partition} rejected; ${stalls.calls} writes held up, ` +
        `p99 ${stalls.p99Millis} ms, longest ${stalls.maxMillis} ms (limit ${stallLimitMillis} ms); ` +
        `${elsewhere} rejections on other partitions`,
      evidence: { ...evidence, held: { stalls, limitMillis: stallLimitMillis } },
    };
  }
  return {
    name: 'write rejection',
    passed: outside === 0 && elsewhere === 0,
    summary: `${rejectedAt.length} writes to p${partition} rejected (25006), ${outside} outside the freeze; ${elsewhere} rejections on other partitions`,
    evidence,
  };
}

/**
 * The procedure's own parity step, or, where a case's procedure has none, the harness's
 * comparison of old and new once the load has stopped: a procedure that leaves parity out
 * is judged by it all the same.
 */
export async function parityCheck(
  migration: MigrationResult,
  context: MigrationContext,
): Promise<ParityCheck> {
  if (!migration.phases.some((r) => r.name === 'parity') && migration.outcome === 'completed') {
    const report = await onNode(context, 'old', context.database, (oldDb) =>
      onNode(context, 'new', context.database, async (newDb) =>
        compareTables(oldDb, newDb, await shardTablesOf(oldDb, context.config.migration.logs)),
      ),
    );
    const differ = report.tables.filter((t) => t.mismatchedRanges.length || t.columnsDiffer);
    return {
      name: 'parity',
      passed: report.passed,
      summary:
        `the procedure has no parity step: compared by the harness after the move: ` +
        (report.passed
          ? `old and new hold the same rows (${report.tables.map((t) => t.table).join(', ')})`
          : `${differ.map((t) => `${t.table} (old ${t.oldRows}, new ${t.newRows} rows)`).join(', ')} differ`),
      evidence: { report, comparedNewAt: 'after the move (the procedure has no parity step)' },
    };
  }
  const p = phase(migration.phases, 'parity');
  const evidence = p && p.status !== 'not-run' ? p.evidence : {};
  return {
    name: 'parity',
    passed: p?.status === 'ok',
    summary:
      p?.status === 'ok'
        ? `old (frozen) and new hold the same rows: ${evidence.report?.tables.map((t) => t.table).join(', ') ?? 'no tables'}`
        : p?.status === 'failed'
          ? p.error
          : 'parity did not run',
    evidence,
  };
}

/**
 * Every write the proxy acknowledged for the moved partition must be in login_log where
 * the partition now lives (new after a switch, old after a rollback).
 */
export async function noAckLostCheck(
  load: LoadResult,
  migration: MigrationResult,
  context: MigrationContext,
  earlier?: WriteLedger,
): Promise<NoAckLostCheck> {
  // A move back answers for the forward move's writes too: they must all be home at the end.
  const p = context.partition;
  const ledger = earlier
    ? mergeLedgers(1, [earlier.slice(p, p + 1), load.ledger.slice(p, p + 1)])[0]
    : load.ledger[p];
  const earlierCount = earlier?.[context.partition]?.ackedIds.length;
  const acked = ledger ? ackedCounts(ledger) : new Map<number, number>();
  const home = migration.outcome === 'rolled-back' ? 'old' : 'new';
  const present = await onNode(context, home, context.database, async (c) => {
    const { rows } = await c.query<{ userid: number; n: number }>(
      'select userid, count(*)::int n from digoal.login_log where userid = any($1::int[]) group by userid',
      [[...acked.keys()]],
    );
    return new Map(rows.map((r) => [r.userid, r.n]));
  });
  let missing = 0;
  const examples: number[] = [];
  for (const [id, n] of acked) {
    const lost = Math.max(0, n - (present.get(id) ?? 0));
    missing += lost;
    if (lost > 0 && examples.length < 10) examples.push(id);
  }
  const parityEvidence = phase(migration.phases, 'parity');
  const afterBarrier =
    parityEvidence?.status === 'ok' ? (parityEvidence.evidence.oldWritesAfterBarrier ?? 0) : 0;
  const total = ledger?.ackedIds.length ?? 0;
  return {
    name: 'no acknowledged write lost',
    passed: missing === 0 && afterBarrier === 0,
    summary:
      `${total} acknowledged writes to p${context.partition}${earlierCount === undefined ? '' : ` (${earlierCount} of them in the move there, the rest in the move back)`}, ${missing} missing on ${home}` +
      (migration.logs === 'leave' && missing > 0
        ? ' (discarded by the log policy `leave`, as in the article)'
        : '') +
      `; ${afterBarrier} committed on old after the freeze barrier; ${ledger?.indeterminateIds.length ?? 0} indeterminate`,
    evidence: {
      acknowledged: total,
      missing,
      missingExamples: examples,
      committedOnOldAfterBarrier: afterBarrier,
      indeterminate: ledger?.indeterminateIds.length ?? 0,
      checkedOn: home,
    },
  };
}

/** What the recovery check needs beyond the load: where the baseline was, and how long a storm lasts here. */
export interface RecoveryInputs {
  /** Load seconds [startSecond, endSecond) of the baseline. */
  readonly baseline: { readonly startSecond: number; readonly endSecond: number };
  readonly limits: RecoveryLimits;
  /** Length of one reconnection storm on this host, the longest estimated or measured (0: not measured). */
  readonly stormSeconds: number;
  /** The switch's storm as measured: seconds from the switch until PL/Proxy's connections were back. */
  readonly switchStormSeconds?: number | undefined;
  /** This host's CPU busy share per load second, where the nodes run on it (undefined: they do not). */
  readonly hostBusy?: readonly number[] | undefined;
}

/**
 * After the switch the moved partition and the others are back at `ratio` of their
 * baseline within the limit (plus one reconnection storm on this host). How deep and how
 * long they dipped on the way is measured and reported (metrics others_min_pct,
 * others_below_s) for thresholds to gate, not judged here.
 */
export function tpsRecoveryCheck(
  load: LoadResult,
  migration: MigrationResult,
  partition: number,
  inputs: RecoveryInputs,
): TpsRecoveryCheck {
  const seconds = fullSeconds(load);
  const secondOf = (t: number) => Math.floor((t - load.startEpochMillis) / 1000);
  const switched = markedPhase(migration.phases, 'switch');
  // A procedure without a freeze (a case that rehearses leaving it out) is timed from its switch.
  const freeze = markedPhase(migration.phases, 'freeze') ?? switched;
  if (!freeze || freeze.status === 'not-run' || !switched || switched.status !== 'ok') {
    return {
      name: 'tps recovery',
      passed: false,
      summary: 'the migration did not reach the switch',
      evidence: {},
    };
  }
  const { limits } = inputs;
  const moved = okPerSecond(seconds, (p) => p === partition);
  const others = okPerSecond(seconds, (p) => p !== partition);
  const { startSecond, endSecond } = inputs.baseline;
  const movedBaseline = mean(moved.slice(startSecond, endSecond));
  const othersBaseline = mean(others.slice(startSecond, endSecond));
  const w = limits.windowSeconds;
  const switchSecond = secondOf(switched.endedAt);
  const freezeSecond = secondOf(freeze.startedAt);
  const movedRecovery = recoverySeconds(moved, switchSecond, movedBaseline, limits.ratio, w);
  const othersRecovery = recoverySeconds(others, switchSecond, othersBaseline, limits.ratio, w);
  const limitSeconds = limits.withinSeconds + inputs.stormSeconds;
  const slowest =
    movedRecovery === undefined || othersRecovery === undefined
      ? undefined
      : Math.max(movedRecovery, othersRecovery);
  const othersDip = dip(others, endSecond, others.length, othersBaseline, limits.ratio, w);
  const movedDipAfterSwitch = dip(moved, switchSecond, moved.length, movedBaseline, limits.ratio, w);
  const atFreeze = dip(others, freezeSecond, switchSecond, othersBaseline, limits.ratio, w);
  const atSwitch = dip(others, switchSecond, others.length, othersBaseline, limits.ratio, w);
  const back = (v: number | undefined) => (v === undefined ? 'never' : `${v} s after the switch`);
  const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
  return {
    name: 'tps recovery',
    passed: slowest !== undefined && slowest <= limitSeconds,
    summary:
      `back to ${pct(limits.ratio)} of baseline: p${partition} ${back(movedRecovery)}, others ${back(othersRecovery)} ` +
      `(limit ${limits.withinSeconds} s${inputs.stormSeconds > 0 ? ` + one reconnection storm here, ${inputs.stormSeconds.toFixed(1)} s${inputs.switchStormSeconds !== undefined && inputs.switchStormSeconds >= inputs.stormSeconds ? ', measured at the switch' : ''}` : ''}); ` +
      `baselines ${movedBaseline.toFixed(1)} and ${othersBaseline.toFixed(1)} tps; on the way the others fell to ` +
      `${pct(othersDip.lowestShare)} (${w}-second average) and were below ${pct(limits.ratio)} for ${othersDip.secondsBelow} s`,
    evidence: {
      movedBaseline,
      othersBaseline,
      movedRecoverySeconds: movedRecovery,
      othersRecoverySeconds: othersRecovery,
      recoverySeconds: slowest,
      limitSeconds,
      expectedStormSeconds: inputs.stormSeconds,
      switchStormSeconds: inputs.switchStormSeconds,
      othersLowestWindow: othersDip.lowestShare * othersBaseline,
      othersLowestShare: othersDip.lowestShare,
      othersSecondsBelow: othersDip.secondsBelow,
      othersLowestWindowHostBusy:
        inputs.hostBusy && othersDip.lowestAtSecond !== undefined
          ? windowMax(inputs.hostBusy, othersDip.lowestAtSecond, w)
          : undefined,
      movedLowestShareAfterSwitch: movedDipAfterSwitch.lowestShare,
      othersAtFreeze: atFreeze,
      othersAtSwitch: atSwitch,
      windowSeconds: w,
      baseline: inputs.baseline,
      moved,
      others,
      freezeSecond,
      switchSecond,
    },
  };
}
