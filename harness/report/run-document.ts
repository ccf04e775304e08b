import type { ServerSettings, ShardmoveConfig } from '../config/config-types.ts';
import type { FaultedMigration } from '../faults/migrate-under-faults.ts';
import type { ErrorSample } from '../load/error-samples.ts';
import type { Moments } from '../load/moments.ts';
import type { GeneratorHealth, Percentiles } from '../load/run-load.ts';
import { type OutcomeCounts, sumPartitions } from '../load/samples.ts';
import type { PhaseResult } from '../migrate/phase-result.ts';
import type { MicroBenchmarkResult } from '../rehearsal/micro-benchmarks.ts';
import type { RehearsalResult, RehearsalStages } from '../rehearsal/rehearsal-result.ts';
import type { NodeVersions } from '../topology/recorded-versions.ts';
import { redactSetting } from '../topology/redact-settings.ts';
import type { Check } from '../verify/check.ts';
import type { FreezeWindow } from '../verify/checks.ts';
import type { RunMetrics, ThresholdOutcome } from '../verify/run-metrics.ts';
import type { Outcome, Validity, Verdict } from '../verify/verdict.ts';
import type { BuildInfo } from './build-info.ts';

/** Bumped on any change a reader of run.json would notice; the schema file carries the same number. */
export const runSchemaVersion = 2;
export const runSchemaId = `https://shardmove.invalid/schema/run-v${runSchemaVersion}.json`;

export interface SeriesPoint {
  second: number;
  moved: OutcomeCounts;
  others: OutcomeCounts;
  scripts: Record<string, OutcomeCounts>;
  /** Open loop: start delay behind the schedule, microseconds. */
  lag: Moments;
  skipped: number;
  reconnects: number;
}

/** run.json: everything a report, a comparison or a later reader needs, and no secret. */
export interface RunDocument {
  $schema: string;
  schemaVersion: typeof runSchemaVersion;
  runId: string;
  scenario: string | undefined;
  /**
   * back: the second move of `--and-back`, the partition going from new back to old; its
   * document speaks in the move's own words (old: where the partition leaves, the topology's
   * new node). Absent: a move there, the only kind before --and-back.
   */
  move?: 'there' | 'back' | undefined;
  verdict: Verdict;
  /** Whether the run could measure what it claims; the reasons first when it could not. */
  validity: Validity;
  /** Each check and threshold against what the scenario declared of it. */
  outcomes: Outcome[];
  /** Warm-up, capacity and rate, baseline, settle, connection cost: how the run was measured. */
  rehearsal: RehearsalStages;
  provider: string;
  writtenAt: string;
  config: unknown;
  environment: {
    node: string;
    platform: string;
    shardmoveVersion: string;
    gitCommit: string;
    versions: Record<string, NodeVersions>;
    provider: Record<string, string>;
    settings: Record<string, Record<string, string>>;
  };
  seeding: unknown;
  migration: FaultedMigration;
  dropOld: PhaseResult | undefined;
  freezeWindow: FreezeWindow;
  checks: Check[];
  metrics: RunMetrics;
  thresholds: ThresholdOutcome[];
  microBenchmarks: MicroBenchmarkResult[];
  load: {
    startEpochMillis: number;
    endEpochMillis: number;
    clients: number;
    partition: number;
    tps: number;
    totals: OutcomeCounts & { skipped: number; reconnects: number };
    latency: { overall: Percentiles; byScript: Record<string, Percentiles>; byPartition: Percentiles[] };
    histograms: Record<string, string>;
    errors: { samples: ErrorSample[]; unsampled: number };
    generator: GeneratorHealth;
    ledger: Array<{ partition: number; acknowledged: number; indeterminate: number; rejected: number }>;
    series: SeriesPoint[];
  };
}

/** Config as it ran, minus anything that could hold a credential (external URIs, server settings that may). */
export function redactedConfig(config: ShardmoveConfig): unknown {
  const settings = (s: ServerSettings) =>
    Object.fromEntries(
      Object.entries(s).map(([name, value]) => [
        name,
        typeof value === 'string' ? redactSetting(name, value) : value,
      ]),
    );
  return {
    ...config,
    external: config.external ? { proxy: '[redacted]', old: '[redacted]', new: '[redacted]' } : undefined,
    server: { proxy: settings(config.server.proxy), backend: settings(config.server.backend) },
  };
}

/** JSON has no Infinity: an empty Moments' min becomes 0. */
function finiteMoments(m: Moments): Moments {
  return { ...m, min: Number.isFinite(m.min) ? m.min : 0 };
}

function finiteCounts(c: OutcomeCounts): OutcomeCounts {
  return { ...c, latency: finiteMoments(c.latency) };
}

export function runDocument(
  config: ShardmoveConfig,
  result: RehearsalResult,
  build: BuildInfo,
  extras: { scenario?: string | undefined; move?: 'there' | 'back' | undefined } = {},
): RunDocument {
  const partition = config.topology.movePartition;
  const { ledger, seconds, ...load } = result.load;
  return {
    $schema: runSchemaId,
    schemaVersion: runSchemaVersion,
    runId: result.runId,
    scenario: extras.scenario,
    ...(extras.move ? { move: extras.move } : {}),
    verdict: result.verdict,
    validity: result.validity,
    outcomes: result.outcomes,
    rehearsal: result.stages,
    provider: result.provider,
    writtenAt: new Date().toISOString(),
    config: redactedConfig(config),
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      ...build,
      versions: result.topology.versions,
      provider: { ...result.topology.facts },
      settings: result.topology.settings,
    },
    seeding: result.topology.seeding,
    migration: result.migration,
    dropOld: result.dropOld,
    freezeWindow: result.freezeWindow,
    checks: result.checks,
    metrics: result.metrics,
    thresholds: result.thresholds,
    microBenchmarks: result.microBenchmarks,
    load: {
      startEpochMillis: load.startEpochMillis,
      endEpochMillis: load.endEpochMillis,
      clients: load.clients,
      partition,
      tps: load.tps,
      totals: {
        ...finiteCounts(load.totals),
        skipped: load.totals.skipped,
        reconnects: load.totals.reconnects,
      },
      latency: load.latency,
      histograms: load.histograms,
      errors: load.errors,
      generator: load.generator,
      ledger: ledger.map((p, i) => ({
        partition: i,
        acknowledged: p.ackedIds.length,
        indeterminate: p.indeterminateIds.length,
        rejected: p.rejectedAt.length,
      })),
      series: seconds.map((s) => ({
        second: s.second,
        moved: finiteCounts(sumPartitions(s, (p) => p === partition)),
        others: finiteCounts(sumPartitions(s, (p) => p !== partition)),
        scripts: Object.fromEntries(Object.entries(s.scripts).map(([name, c]) => [name, finiteCounts(c)])),
        lag: finiteMoments(s.lag),
        skipped: s.skipped,
        reconnects: s.reconnects,
      })),
    },
  };
}
