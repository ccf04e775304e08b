/**
 * Run-level metrics that thresholds and `compare` speak of, as data: a scenario says
 * `"thresholds": ["freeze_window_s < 15", "p99_ms < 50"]`, k6 style, and a run fails when
 * one does not hold.
 */
export const metricCatalog = {
  freeze_window_s: {
    unit: 's',
    better: 'lower',
    about: 'client-observed freeze window of the moved partition',
  },
  freeze_window_storms: {
    unit: 'storms',
    better: 'lower',
    about:
      "the freeze window in units of one reconnection storm on this host (storm_s): what a move that changes PL/Proxy's cluster cannot go below, so the same bound holds on a slow host and a fast one",
  },
  freeze_phases_s: {
    unit: 's',
    better: 'lower',
    about: 'from the freeze to the end of the switch, as the runner timed it',
  },
  migration_s: { unit: 's', better: 'lower', about: 'from the first migration phase to the last' },
  moved_stall_max_s: {
    unit: 's',
    better: 'lower',
    about: 'a held switch: the longest any write to the moved partition waited in the hold (none rejected)',
  },
  moved_stall_p99_s: {
    unit: 's',
    better: 'lower',
    about: "a held switch: the 99th percentile of how long the moved partition's writes in it waited",
  },
  recovery_s: {
    unit: 's',
    better: 'lower',
    about: 'seconds after the switch until the moved partition and the others are both back',
  },
  moved_recovery_s: {
    unit: 's',
    better: 'lower',
    about: "seconds after the switch until the moved partition's TPS is back",
  },
  others_recovery_s: {
    unit: 's',
    better: 'lower',
    about: "seconds after the switch until the other partitions' TPS is back",
  },
  others_min_pct: {
    unit: '%',
    better: 'higher',
    about: "the other partitions' lowest windowed TPS from the baseline on, % of their baseline",
  },
  others_dip_host_busy_pct: {
    unit: '%',
    better: 'lower',
    about:
      "this host's CPU busy share in the busiest second of the others' lowest window, where the nodes run on this host: at saturation a dip of the others cannot be told from the cores being shared by every node, the load and the move's bulk work",
  },
  others_below_s: {
    unit: 's',
    better: 'lower',
    about: 'seconds the other partitions spent below the recovery ratio of their baseline',
  },
  capacity_tps: {
    unit: 'tps',
    better: 'higher',
    about: 'closed-loop throughput of the probe after the warm-up',
  },
  rate_tps: { unit: 'tps', better: 'higher', about: 'the open-loop rate the run scheduled' },
  connection_ms: {
    unit: 'ms',
    better: 'lower',
    about: 'a new connection to a shard and its first call (pgbench -C)',
  },
  storm_s: {
    unit: 's',
    better: 'lower',
    about: 'expected length of one reconnection storm: backends x partitions x connection cost / cores',
  },
  baseline_tps: { unit: 'tps', better: 'higher', about: 'all partitions, before the freeze' },
  tps: { unit: 'tps', better: 'higher', about: 'all partitions, over the whole run' },
  p50_ms: { unit: 'ms', better: 'lower', about: 'median latency of every call' },
  p99_ms: { unit: 'ms', better: 'lower', about: '99th percentile latency of every call' },
  moved_p99_ms: {
    unit: 'ms',
    better: 'lower',
    about: '99th percentile latency of calls to the moved partition',
  },
  read_errors: { unit: 'calls', better: 'lower', about: 'failed reads of the moved partition' },
  rejected_writes: {
    unit: 'calls',
    better: 'lower',
    about: 'writes to the moved partition rejected read-only',
  },
  lost_writes: { unit: 'calls', better: 'lower', about: 'acknowledged writes missing after the move' },
} as const;

export type MetricName = keyof typeof metricCatalog;
export const metricNames = Object.keys(metricCatalog) as MetricName[];

export const comparators = ['<=', '>=', '==', '!=', '<', '>'] as const;
export type Comparator = (typeof comparators)[number];

export interface ThresholdExpression {
  readonly source: string;
  readonly metric: MetricName;
  readonly comparator: Comparator;
  readonly value: number;
}

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(metricCatalog, name);
}

/** Parses `metric < number`; throws with what is wrong and what would be right. */
export function parseThreshold(source: string): ThresholdExpression {
  const m = /^\s*([a-z0-9_]+)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(source);
  if (!m) throw new Error(`"${source}" is not "<metric> <op> <number>" (ops: ${comparators.join(' ')})`);
  const [, metric = '', comparator = '<', value = '0'] = m;
  if (!isMetricName(metric)) {
    throw new Error(`"${source}": unknown metric ${metric}; known: ${metricNames.join(', ')}`);
  }
  return { source: source.trim(), metric, comparator: comparator as Comparator, value: Number(value) };
}

export function holds(comparator: Comparator, actual: number, limit: number): boolean {
  switch (comparator) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
    case '!=':
      return actual !== limit;
  }
}
