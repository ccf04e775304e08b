import type { GeneratorHealth } from '../load/run-load.ts';
import { conclusive, type Validity } from '../verify/verdict.ts';
import type { Calibration } from './calibration.ts';

/** The load's warm-up: every client primed, then the load run until throughput was steady. */
export interface WarmupEvidence {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly clients: number;
  readonly primedClients: number;
  /**
   * Seconds from the load's start until every client had a connection to every partition:
   * clients x partitions connections opened at once, one reconnection storm as this host
   * lives it (the estimate from one connection's cost misses the postmaster's queue).
   */
  readonly primedAfterSeconds?: number | undefined;
  /** Proxy-to-partition connections the priming opened: primed clients x partitions. */
  readonly connectionsOpened: number;
  readonly steady: boolean;
  /** Closed-loop TPS of the last steady window (or of the last window, when it never was). */
  readonly tps: number;
  readonly maxSeconds: number;
}

/** The baseline: the open loop at the chosen rate, measured before anything changes. */
export interface BaselineEvidence {
  readonly startedAt: number;
  readonly endedAt: number;
  /** Load seconds [startSecond, endSecond) that make the baseline. */
  readonly startSecond: number;
  readonly endSecond: number;
  readonly scheduledTps: number;
  readonly achievedTps: number;
  readonly movedTps: number;
  readonly othersTps: number;
  readonly meanLagMillis: number;
  readonly skipped: number;
  readonly skippedShare: number;
  readonly generator: GeneratorHealth;
}

export interface ValidityLimits {
  /** The baseline must serve at least this share of the scheduled rate. */
  readonly minRateRatio: number;
  /** Mean start delay behind the schedule allowed over the baseline. */
  readonly maxMeanLagMillis: number;
  /** Share of the baseline's calls allowed to be skipped under the latency limit. */
  readonly maxSkippedShare: number;
}

export function warmupValidity(warmup: WarmupEvidence): Validity {
  if (warmup.primedClients < warmup.clients) {
    return {
      conclusive: false,
      reasons: [
        `warm-up: only ${warmup.primedClients} of ${warmup.clients} clients had opened their connections to every partition after ${warmup.maxSeconds} s`,
      ],
      advice: [
        'fewer clients (--clients), or a longer rehearsal.warmupMaxSeconds: on this host each new connection is expensive',
      ],
    };
  }
  if (!warmup.steady) {
    return {
      conclusive: false,
      reasons: [
        `warm-up: throughput was still not steady after ${warmup.maxSeconds} s (last ${warmup.tps.toFixed(0)} tps)`,
      ],
      advice: ['a longer rehearsal.warmupMaxSeconds, or a looser rehearsal.steadyTolerance on a noisy host'],
    };
  }
  return conclusive;
}

export function baselineValidity(
  baseline: BaselineEvidence,
  calibration: Calibration,
  limits: ValidityLimits,
): Validity {
  const reasons: string[] = [];
  const advice = new Set<string>();
  const held = baseline.achievedTps / Math.max(1e-9, baseline.scheduledTps);
  const lower = `a lower rate (--rate ${Math.max(1, Math.floor((calibration.capacityTps * 0.4) / 10) * 10)}, or --rate 40%)`;
  if (held < limits.minRateRatio) {
    reasons.push(
      `baseline: served ${baseline.achievedTps.toFixed(0)} of ${baseline.scheduledTps.toFixed(0)} tps scheduled ` +
        `(${(held * 100).toFixed(0)}%, needs ${(limits.minRateRatio * 100).toFixed(0)}%); the topology's capacity measured ${calibration.capacityTps.toFixed(0)} tps`,
    );
    advice.add(lower);
  }
  if (baseline.generator.limited) {
    reasons.push(
      `baseline: the load generator was saturated (event loop ${(baseline.generator.eventLoopUtilization * 100).toFixed(0)}% busy, delay p99 ${baseline.generator.eventLoopDelayP99Millis.toFixed(0)} ms)`,
    );
    advice.add('fewer clients (--clients) or a lower rate: the generator shares the cores with the nodes');
  }
  if (baseline.meanLagMillis > limits.maxMeanLagMillis) {
    reasons.push(
      `baseline: calls started ${baseline.meanLagMillis.toFixed(0)} ms behind their schedule on average (limit ${limits.maxMeanLagMillis} ms)`,
    );
    advice.add(lower);
  }
  if (baseline.skippedShare > limits.maxSkippedShare) {
    reasons.push(
      `baseline: ${baseline.skipped} calls (${(baseline.skippedShare * 100).toFixed(1)}%) skipped under the latency limit (limit ${(limits.maxSkippedShare * 100).toFixed(1)}%)`,
    );
    advice.add(lower);
  }
  return { conclusive: reasons.length === 0, reasons, advice: [...advice] };
}
