import { holds, type MetricName, parseThreshold } from '../config/threshold-expression.ts';
import type { PhaseResult } from '../migrate/phase-result.ts';
import { type Check, checkNamed } from './check.ts';
import type { FreezeWindow } from './checks.ts';

/** What the metrics are computed from: a rehearsal's result, or the run.json written from it. */
export interface MetricSource {
  readonly freezeWindow: FreezeWindow;
  readonly migration: { readonly phases: readonly PhaseResult[] };
  readonly checks: readonly Check[];
  readonly load: {
    readonly tps: number;
    readonly latency: {
      overall: { p50Millis: number; p99Millis: number };
      byPartition: ReadonlyArray<{ p99Millis: number; count: number }>;
    };
  };
  readonly partition: number;
  /** The rehearsal's own measurements (absent in run.json of schema version 1). */
  readonly stages?:
    | {
        readonly calibration?: { readonly capacityTps: number; readonly rateTps: number } | undefined;
        readonly connectionCost?: { readonly medianMillis: number } | undefined;
        readonly storm?: { readonly expectedSeconds: number } | undefined;
      }
    | undefined;
}

export type RunMetrics = Partial<Record<MetricName, number>>;

export interface ThresholdOutcome {
  readonly expression: string;
  readonly metric: MetricName;
  readonly actual: number | undefined;
  readonly passed: boolean;
  /**
   * Why a failed threshold cannot be judged on this run (Jepsen's :unknown): what it
   * measures was swamped by something the run can name. Absent when judged.
   */
  readonly unknown?: string | undefined;
}

/**
 * Share of this host's CPU above which a dip of the other partitions is the host's: every
 * core was busy, with every node, the load generator and the move's bulk work on them.
 */
export const hostSaturatedPct = 90;

/** Metrics that measure the other partitions' dip, which a saturated shared host also makes. */
const dipMetrics: readonly MetricName[] = ['others_min_pct', 'others_below_s'];

function unknownReason(metric: MetricName, metrics: RunMetrics): string | undefined {
  const busy = metrics.others_dip_host_busy_pct;
  if (!dipMetrics.includes(metric) || busy === undefined || busy < hostSaturatedPct) return undefined;
  return `in the others' lowest window this host's CPUs were ${busy.toFixed(0)}% busy: the nodes, the load and the move's bulk work share its cores, so the dip cannot be told from the host's own limit`;
}

const round = (v: number, digits = 3) => Number(v.toFixed(digits));

/** The catalogue's metrics for one run; a metric the run never reached (no switch, say) is absent. */
export function runMetrics(source: MetricSource): RunMetrics {
  const ran = source.migration.phases.filter((p) => p.status !== 'not-run');
  const byName = (name: string) => ran.find((p) => p.name === name);
  const freeze = byName('freeze');
  const switched = byName('switch');
  const out: RunMetrics = {};
  const set = (name: MetricName, v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) out[name] = round(v);
  };
  set('freeze_window_s', source.freezeWindow.seconds);
  if (freeze && switched && switched.status === 'ok')
    set('freeze_phases_s', (switched.endedAt - freeze.startedAt) / 1000);
  const first = ran[0];
  const last = ran[ran.length - 1];
  if (first && last) set('migration_s', (last.endedAt - first.startedAt) / 1000);
  const recovery = checkNamed(source.checks, 'tps recovery')?.evidence;
  set('recovery_s', recovery?.recoverySeconds);
  set('moved_recovery_s', recovery?.movedRecoverySeconds);
  set('others_recovery_s', recovery?.othersRecoverySeconds);
  set('others_below_s', recovery?.othersSecondsBelow);
  const othersLow = recovery?.othersLowestWindow;
  const othersBase = recovery?.othersBaseline;
  const movedBase = recovery?.movedBaseline;
  if (othersLow !== undefined && othersBase) set('others_min_pct', (othersLow / othersBase) * 100);
  const busy = recovery?.othersLowestWindowHostBusy;
  if (busy !== undefined) set('others_dip_host_busy_pct', busy * 100);
  set('capacity_tps', source.stages?.calibration?.capacityTps);
  set('rate_tps', source.stages?.calibration?.rateTps);
  set('connection_ms', source.stages?.connectionCost?.medianMillis);
  const storm = source.stages?.storm?.expectedSeconds;
  set('storm_s', storm);
  if (storm && source.freezeWindow.seconds !== undefined)
    set('freeze_window_storms', source.freezeWindow.seconds / storm);
  if (othersBase !== undefined && movedBase !== undefined) set('baseline_tps', othersBase + movedBase);
  set('tps', source.load.tps);
  const overall = source.load.latency.overall;
  set('p50_ms', overall.p50Millis);
  set('p99_ms', overall.p99Millis);
  const moved = source.load.latency.byPartition[source.partition];
  if (moved?.count) set('moved_p99_ms', moved.p99Millis);
  set('read_errors', checkNamed(source.checks, 'reads')?.evidence.failures);
  set('rejected_writes', source.freezeWindow.rejections);
  set('lost_writes', checkNamed(source.checks, 'no acknowledged write lost')?.evidence.missing);
  const held = checkNamed(source.checks, 'write rejection')?.evidence.held;
  if (held) {
    set('moved_stall_max_s', held.stalls.maxMillis / 1000);
    set('moved_stall_p99_s', held.stalls.p99Millis / 1000);
  }
  return out;
}

/** Each threshold against the run's metrics; one whose metric the run lacks fails, one it could not judge says why. */
export function evaluateThresholds(expressions: readonly string[], metrics: RunMetrics): ThresholdOutcome[] {
  return expressions.map((source) => {
    const t = parseThreshold(source);
    const actual = metrics[t.metric];
    const passed = actual !== undefined && holds(t.comparator, actual, t.value);
    const unknown = passed ? undefined : unknownReason(t.metric, metrics);
    return {
      expression: t.source,
      metric: t.metric,
      actual,
      passed,
      ...(unknown ? { unknown } : {}),
    };
  });
}
