import type { RecoveryLimits } from '../config/config-types.ts';
import { ackedCounts } from '../load/ledger.ts';
import type { LoadResult } from '../load/run-load.ts';
import { failedTotal, sumPartitions } from '../load/samples.ts';
import { type MigrationContext, onNode } from '../migrate/migration-context.ts';
import { phase } from '../migrate/phase-result.ts';
import type { MigrationResult } from '../migrate/run-migration.ts';

export interface Check {
  readonly name:
    | 'reads'
    | 'write rejection'
    | 'parity'
    | 'no acknowledged write lost'
    | 'tps recovery'
    | 'fault invariants';
  readonly passed: boolean;
  readonly summary: string;
  readonly evidence: Record<string, unknown>;
}

export interface FreezeWindow {
  firstRejectionAt: number | undefined;
  lastRejectionAt: number | undefined;
  firstAcceptedAfterAt: number | undefined;
  /** Client-observed: first rejected call to the first write accepted after the last rejected call, seconds. */
  seconds: number | undefined;
  rejections: number;
}

const readScripts = ['query_pk', 'query_smalltbl'];

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
  const first = Math.min(...rejected);
  const last = Math.max(...rejected);
  const acceptedAfter = (ledger?.ackedAt ?? []).filter((t) => t > last);
  const firstAccepted = acceptedAfter.length ? Math.min(...acceptedAfter) : undefined;
  return {
    firstRejectionAt: first,
    lastRejectionAt: last,
    firstAcceptedAfterAt: firstAccepted,
    seconds: firstAccepted === undefined ? undefined : (firstAccepted - first) / 1000,
    rejections: rejected.length,
  };
}

export function readsCheck(load: LoadResult): Check {
  const seconds = fullSeconds(load);
  const failures = seconds.reduce(
    (n, s) => n + readScripts.reduce((m, r) => m + (s.scripts[r] ? failedTotal(s.scripts[r]) : 0), 0),
    0,
  );
  // A second is served when a read due in it succeeded, however late: lateness is what the
  // latency figures measure, and a reconnection storm can hold every reply past a second
  // boundary without a single read failing.
  const empty = seconds
    .filter((s) => readScripts.every((r) => (s.servedByDue[r] ?? 0) === 0))
    .map((s) => s.second);
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
      (first ? ` (first: ${first.script} ${first.sqlstate ?? first.errorClass}: ${first.message})` : ''),
    evidence: { reads, failures, secondsWithoutReads: empty, secondsWithoutReplies: noReplies, errors },
  };
}

export function writeRejectionCheck(load: LoadResult, migration: MigrationResult, partition: number): Check {
  const freeze = phase(migration.phases, 'freeze');
  const end =
    phase(migration.phases, 'switch')?.status === 'ok'
      ? phase(migration.phases, 'switch')
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
  return {
    name: 'write rejection',
    passed: outside === 0 && elsewhere === 0,
    summary: `${rejectedAt.length} writes to p${partition} rejected (25006), ${outside} outside the freeze; ${elsewhere} rejections on other partitions`,
    evidence: {
      rejections: rejectedAt.length,
      outsideFreeze: outside,
      onOtherPartitions: elsewhere,
      otherFailuresOnMoved: otherFailures,
      window: { from, until },
    },
  };
}

export function parityCheck(migration: MigrationResult): Check {
  const p = phase(migration.phases, 'parity');
  const evidence = p && p.status !== 'not-run' ? p.evidence : {};
  return {
    name: 'parity',
    passed: p?.status === 'ok',
    summary:
      p?.status === 'ok'
        ? 'old (frozen) and new hold the same rows'
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
): Promise<Check> {
  const ledger = load.ledger[context.partition];
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
    parityEvidence?.status === 'ok' ? Number(parityEvidence.evidence.oldWritesAfterBarrier ?? 0) : 0;
  const total = ledger?.ackedIds.length ?? 0;
  return {
    name: 'no acknowledged write lost',
    passed: missing === 0 && afterBarrier === 0,
    summary:
      `${total} acknowledged writes to p${context.partition}, ${missing} missing on ${home}` +
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

function movingAverage(values: readonly number[], window: number): number[] {
  return values.map((_, i) => {
    const slice = values.slice(i, i + window);
    return slice.length === window ? slice.reduce((a, b) => a + b, 0) / window : Number.NaN;
  });
}

export function tpsRecoveryCheck(
  load: LoadResult,
  migration: MigrationResult,
  partition: number,
  thresholds: RecoveryLimits,
): Check {
  const seconds = fullSeconds(load);
  const secondOf = (t: number) => Math.floor((t - load.startEpochMillis) / 1000);
  const freeze = phase(migration.phases, 'freeze');
  const switched = phase(migration.phases, 'switch');
  if (!freeze || freeze.status === 'not-run' || !switched || switched.status !== 'ok') {
    return {
      name: 'tps recovery',
      passed: false,
      summary: 'the migration did not reach the switch',
      evidence: {},
    };
  }
  const moved = seconds.map((s) => sumPartitions(s, (p) => p === partition).ok);
  const others = seconds.map((s) => sumPartitions(s, (p) => p !== partition).ok);
  // Baseline: the second half of the seconds before the freeze; the first half holds the
  // load's warm-up (every client's proxy backend connecting to every partition).
  const baselineEnd = secondOf(freeze.startedAt);
  const baselineStart = Math.floor(baselineEnd / 2);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const movedBaseline = mean(moved.slice(baselineStart, baselineEnd));
  const othersBaseline = mean(others.slice(baselineStart, baselineEnd));
  const w = thresholds.windowSeconds;
  const switchSecond = secondOf(switched.endedAt);
  const movedAvg = movingAverage(moved, w);
  const recoveredAt = movedAvg.findIndex(
    (v, i) => i > switchSecond && v >= thresholds.movedRatio * movedBaseline,
  );
  const recoverySeconds = recoveredAt < 0 ? undefined : recoveredAt + w - 1 - switchSecond;
  const othersAvg = movingAverage(others, w).slice(baselineStart);
  const othersMin = Math.min(...othersAvg.filter((v) => !Number.isNaN(v)));
  const movedOk = recoverySeconds !== undefined && recoverySeconds <= thresholds.movedSeconds;
  const othersOk = othersMin >= thresholds.othersMinRatio * othersBaseline;
  return {
    name: 'tps recovery',
    passed: movedOk && othersOk,
    summary:
      `p${partition}: baseline ${movedBaseline.toFixed(1)} tps, back to ${Math.round(thresholds.movedRatio * 100)}% ` +
      `${recoverySeconds === undefined ? 'never' : `${recoverySeconds} s after the switch`} (limit ${thresholds.movedSeconds} s); ` +
      `others: baseline ${othersBaseline.toFixed(1)} tps, lowest ${w}-second average ${othersMin.toFixed(1)} ` +
      `(${((othersMin / Math.max(1e-9, othersBaseline)) * 100).toFixed(1)}%, limit ${Math.round(thresholds.othersMinRatio * 100)}%)`,
    evidence: {
      movedBaseline,
      othersBaseline,
      recoverySeconds,
      othersLowestWindow: othersMin,
      windowSeconds: w,
      moved,
      others,
      switchSecond,
    },
  };
}
