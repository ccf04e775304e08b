import type { FaultedMigration } from '../faults/migrate-under-faults.ts';
import type { LoadResult } from '../load/run-load.ts';
import type { PhaseResult } from '../migrate/phase-result.ts';
import type { LinkCost } from '../provision/link-costs.ts';
import type { StartedTopology } from '../topology/start-topology.ts';
import type { Check } from '../verify/check.ts';
import type { FreezeWindow } from '../verify/checks.ts';
import type { RunMetrics, ThresholdOutcome } from '../verify/run-metrics.ts';
import type { Outcome, Validity, Verdict } from '../verify/verdict.ts';
import type { Calibration } from './calibration.ts';
import type { ConnectionCost, StormEstimate } from './connection-cost.ts';
import type { SettleEvidence } from './load-stages.ts';
import type { MicroBenchmarkResult } from './micro-benchmarks.ts';
import type { BaselineEvidence, WarmupEvidence } from './validity.ts';

/** What the rehearsal measured around the migration, stage by stage, as typed evidence. */
export interface RehearsalStages {
  readonly connectionCost: ConnectionCost | undefined;
  readonly storm: StormEstimate | undefined;
  /** Each link's round trip and new-connection cost, from the host that opens it (local provider). */
  readonly links?: readonly LinkCost[] | undefined;
  /** Absent only in documents upgraded from schema version 1. */
  readonly warmup: WarmupEvidence | undefined;
  readonly calibration: Calibration | undefined;
  readonly baseline: BaselineEvidence | undefined;
  readonly settle: SettleEvidence | undefined;
}

export interface RehearsalResult {
  readonly runId: string;
  readonly provider: string;
  readonly verdict: Verdict;
  /** Whether the run could measure what it claims; when not, the verdict is inconclusive. */
  readonly validity: Validity;
  /** Each check and threshold against what the scenario expects of it. */
  readonly outcomes: Outcome[];
  readonly stages: RehearsalStages;
  readonly migration: FaultedMigration;
  readonly dropOld: PhaseResult | undefined;
  readonly checks: Check[];
  readonly freezeWindow: FreezeWindow;
  readonly load: LoadResult;
  readonly microBenchmarks: MicroBenchmarkResult[];
  readonly metrics: RunMetrics;
  readonly thresholds: ThresholdOutcome[];
  readonly topology: Pick<StartedTopology, 'facts' | 'settings' | 'versions' | 'seeding'>;
}

export type ResultBase = Pick<
  RehearsalResult,
  'runId' | 'provider' | 'stages' | 'load' | 'microBenchmarks' | 'topology'
>;
