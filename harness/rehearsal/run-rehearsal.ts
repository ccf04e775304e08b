import type { ShardmoveConfig } from '../config/config-types.ts';
import { type EventSink, step } from '../events.ts';
import { type LoadResult, startLoad } from '../load/run-load.ts';
import { migrationContext } from '../migrate/migration-context.ts';
import type { PhaseResult } from '../migrate/phase-result.ts';
import { dropOld, type MigrationResult, runMigration } from '../migrate/run-migration.ts';
import { type StartedTopology, startTopology } from '../topology/start-topology.ts';
import {
  type Check,
  type FreezeWindow,
  freezeWindow,
  noAckLostCheck,
  parityCheck,
  readsCheck,
  tpsRecoveryCheck,
  writeRejectionCheck,
} from '../verify/checks.ts';
import { faultInvariantsCheck } from '../verify/fault-invariants.ts';
import {
  evaluateThresholds,
  type RunMetrics,
  runMetrics,
  type ThresholdOutcome,
} from '../verify/run-metrics.ts';
import { rehearsalLoad } from './load-plan.ts';
import { type MicroBenchmarkResult, microBenchmarks } from './micro-benchmarks.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RehearsalResult {
  readonly runId: string;
  readonly provider: string;
  readonly verdict: 'pass' | 'fail';
  readonly migration: MigrationResult;
  readonly dropOld: PhaseResult | undefined;
  readonly checks: Check[];
  readonly freezeWindow: FreezeWindow;
  readonly load: LoadResult;
  readonly microBenchmarks: MicroBenchmarkResult[];
  readonly metrics: RunMetrics;
  readonly thresholds: ThresholdOutcome[];
  readonly topology: Pick<StartedTopology, 'facts' | 'settings' | 'versions' | 'seeding'>;
}

/**
 * A whole rehearsal on an already started topology: load, baseline, the migration under
 * load, settle, the five checks, and the old database dropped only if all of them hold.
 */
export async function rehearse(
  topology: StartedTopology,
  config: ShardmoveConfig,
  events: EventSink,
): Promise<RehearsalResult> {
  const context = migrationContext(config, topology.nodes, topology.runId, events, topology.handle);
  // Per-call cost is a side measurement: when it fails, the rehearsal goes on without it.
  const micro =
    config.rehearsal.microBenchmarkMillis > 0
      ? await step(events, 'per-call cost', () =>
          microBenchmarks(topology, config, config.rehearsal.microBenchmarkMillis),
        ).catch((error: unknown) => {
          events({ type: 'warning', message: `per-call cost not measured: ${(error as Error).message}` });
          return [];
        })
      : [];
  const load = startLoad({
    target: { ...topology.nodes.proxy.endpoint, database: config.topology.proxyDatabase },
    partitions: config.topology.partitions,
    groups: rehearsalLoad(config),
    durationSeconds: undefined,
    connectTimeoutMillis: config.connectTimeoutMillis,
  });
  let migration: MigrationResult;
  let loadResult: LoadResult;
  try {
    await step(
      events,
      'baseline load',
      () => sleep(config.rehearsal.baselineSeconds * 1000),
      `${config.rehearsal.baselineSeconds} s`,
    );
    migration = await runMigration(context);
    await step(
      events,
      'settle',
      () => sleep(config.rehearsal.settleSeconds * 1000),
      `${config.rehearsal.settleSeconds} s`,
    );
  } finally {
    loadResult = await load.stop();
  }
  const checks = await step(events, 'verify', async () => [
    readsCheck(loadResult),
    writeRejectionCheck(loadResult, migration, context.partition),
    parityCheck(migration),
    await noAckLostCheck(loadResult, migration, context),
    tpsRecoveryCheck(loadResult, migration, context.partition, config.recovery),
  ]);
  // Under an injected fault the five checks are measured, but the verdict is the invariants'.
  const invariants = config.migration.fault
    ? await faultInvariantsCheck(context, migration, checks)
    : undefined;
  if (invariants) checks.push(invariants);
  const passed = invariants
    ? invariants.passed
    : migration.outcome === 'completed' && checks.every((c) => c.passed);
  // Thresholds gate the verdict, not the drop: the old copy goes once the data is proven safe.
  const dropped =
    passed && migration.outcome === 'completed' && checks.find((c) => c.name === 'parity')?.passed
      ? await dropOld(context)
      : undefined;
  const window = freezeWindow(loadResult, context.partition);
  const metrics = runMetrics({
    freezeWindow: window,
    migration,
    checks,
    load: loadResult,
    partition: context.partition,
  });
  const thresholds = evaluateThresholds(config.thresholds, metrics);
  return {
    runId: topology.runId,
    provider: topology.provider,
    verdict:
      passed &&
      (dropped === undefined ? invariants !== undefined : dropped.status === 'ok') &&
      thresholds.every((t) => t.passed)
        ? 'pass'
        : 'fail',
    migration,
    dropOld: dropped,
    checks,
    freezeWindow: window,
    load: loadResult,
    microBenchmarks: micro,
    metrics,
    thresholds,
    topology: {
      facts: topology.facts,
      settings: topology.settings,
      versions: topology.versions,
      seeding: topology.seeding,
    },
  };
}

/** up + seed + rehearsal + down. */
export async function runScenario(config: ShardmoveConfig, events: EventSink): Promise<RehearsalResult> {
  await using topology = await startTopology({ config, events });
  // Awaited here: returning the bare promise would dispose of the topology before the rehearsal ran.
  return await rehearse(topology, config, events);
}
