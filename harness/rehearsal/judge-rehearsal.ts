import type { ShardmoveConfig } from '../config/config-types.ts';
import { type EventSink, step } from '../events.ts';
import type { FaultedMigration } from '../faults/migrate-under-faults.ts';
import type { WriteLedger } from '../load/ledger.ts';
import type { MigrationContext } from '../migrate/migration-context.ts';
import { dropOld } from '../migrate/run-migration.ts';
import type { Check } from '../verify/check.ts';
import {
  freezeWindow,
  noAckLostCheck,
  parityCheck,
  readsCheck,
  tpsRecoveryCheck,
  writeRejectionCheck,
} from '../verify/checks.ts';
import { faultInvariantsCheck } from '../verify/fault-invariants.ts';
import { evaluateThresholds, runMetrics } from '../verify/run-metrics.ts';
import { inFlightGraceMillis, type RouteWatch, staleRouteCheck } from '../verify/stale-route.ts';
import { conclusive, judgedValidity, outcomes, type Validity, verdictOf } from '../verify/verdict.ts';
import type { RehearsalResult, RehearsalStages, ResultBase } from './rehearsal-result.ts';
import type { BaselineEvidence } from './validity.ts';

/**
 * One reconnection storm on this host, as the recovery and stale-route checks allow for it:
 * the longer of the estimate (one connection's cost x connections / cores) and the storm
 * the warm-up lived through (every client priming every partition at once). On a host where
 * a connection costs 50 ms the estimate alone missed half of it, and a move that recovered
 * as fast as the host allows failed.
 */
export function stormSeconds(stages: RehearsalStages): number {
  return Math.max(stages.storm?.expectedSeconds ?? 0, stages.warmup?.primedAfterSeconds ?? 0);
}

/** The client-observed freeze window and the run's metrics, from what was measured and judged. */
function measured(
  base: ResultBase,
  migration: FaultedMigration,
  checks: readonly Check[],
  partition: number,
) {
  const window = freezeWindow(base.load, partition);
  const metrics = runMetrics({
    freezeWindow: window,
    migration,
    checks,
    load: base.load,
    partition,
    stages: base.stages,
  });
  return { window, metrics };
}

/** A rehearsal that could not measure what it claims: nothing judged, the metrics as far as they went. */
export function inconclusiveResult(
  base: ResultBase,
  validity: Validity,
  migration: FaultedMigration,
  context: MigrationContext,
  config: ShardmoveConfig,
): RehearsalResult {
  const { window, metrics } = measured(base, migration, [], context.partition);
  return {
    ...base,
    verdict: 'inconclusive',
    validity,
    outcomes: [],
    migration,
    dropOld: undefined,
    checks: [],
    freezeWindow: window,
    metrics,
    thresholds: evaluateThresholds(config.thresholds, metrics),
  };
}

/**
 * What a rehearsal's load and migration come to: the checks (the fault invariants under a
 * fault), old dropped once the data is safe, the metrics and thresholds, the verdict.
 */
export async function judgedResult(
  base: ResultBase,
  migration: FaultedMigration,
  baseline: BaselineEvidence,
  context: MigrationContext,
  config: ShardmoveConfig,
  events: EventSink,
  hostBusy: readonly number[] | undefined,
  routes: RouteWatch | undefined,
  /** Seconds from the switch until PL/Proxy's connections were back, measured (storm-watch.ts). */
  switchStormSeconds: number | undefined,
  earlierWrites?: WriteLedger,
): Promise<RehearsalResult> {
  const loadResult = base.load;
  // Estimated, lived through at the warm-up, or measured at the switch: the longest.
  const storm = Math.max(stormSeconds(base.stages), switchStormSeconds ?? 0);
  const checks = await step(
    events,
    'verify',
    async (): Promise<Check[]> => [
      readsCheck(loadResult, baseline.startSecond),
      writeRejectionCheck(loadResult, migration, context.partition, config.migration.stallLimitMillis),
      await parityCheck(migration, context),
      await noAckLostCheck(loadResult, migration, context, earlierWrites),
      tpsRecoveryCheck(loadResult, migration, context.partition, {
        baseline,
        limits: config.recovery,
        stormSeconds: storm,
        switchStormSeconds,
        hostBusy,
      }),
      staleRouteCheck(routes, migration, Math.max(inFlightGraceMillis, storm * 1000)),
    ],
  );
  // Under an injected fault the six checks are measured, but the verdict is the invariants'.
  const invariants = config.migration.fault
    ? await faultInvariantsCheck(context, migration, checks)
    : undefined;
  if (invariants) checks.push(invariants);
  // The old copy goes once the data is proven safe: every check held, thresholds aside.
  const dataSafe = invariants
    ? invariants.passed
    : migration.outcome === 'completed' && checks.every((c) => c.passed);
  const dropped =
    dataSafe && migration.outcome === 'completed' && checks.find((c) => c.name === 'parity')?.passed
      ? await dropOld(context)
      : undefined;
  const { window, metrics } = measured(base, migration, checks, context.partition);
  const thresholds = evaluateThresholds(config.thresholds, metrics);
  const judged = outcomes(invariants ? [invariants] : checks, thresholds, config.expectedFailures);
  const sound = invariants
    ? true
    : migration.outcome === config.expectedOutcome && (dropped === undefined || dropped.status === 'ok');
  const verdict = verdictOf(conclusive, judged, sound);
  return {
    ...base,
    verdict,
    validity: verdict === 'inconclusive' ? judgedValidity(conclusive, judged) : conclusive,
    outcomes: judged,
    migration,
    dropOld: dropped,
    checks,
    freezeWindow: window,
    metrics,
    thresholds,
  };
}
