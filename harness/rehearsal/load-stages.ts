import type { RecoveryLimits, RehearsalConfig } from '../config/config-types.ts';
import { parseRate } from '../config/rate-spec.ts';
import { emptyMoments, mergeMoments } from '../load/moments.ts';
import type { RunningLoad } from '../load/run-load.ts';
import { failedTotal } from '../load/samples.ts';
import { epochNow } from '../util/epoch-clock.ts';
import { mean, recoverySeconds } from '../verify/tps-recovery.ts';
import { type Calibration, calibrate } from './calibration.ts';
import type { SecondFeed } from './second-feed.ts';
import { steadyState } from './steady-state.ts';
import type { BaselineEvidence, WarmupEvidence } from './validity.ts';

/**
 * Every client primes its proxy session (a call to each partition), then the closed loop
 * runs until its throughput is steady, up to the maximum.
 */
export async function warmUp(
  feed: SecondFeed,
  clients: number,
  partitions: number,
  r: RehearsalConfig,
): Promise<WarmupEvidence> {
  const startedAt = epochNow();
  const deadline = startedAt + r.warmupMaxSeconds * 1000;
  await feed.until(() => feed.primed() >= clients, deadline);
  // From the next second on, every client is primed.
  const primedFrom = feed.count;
  const criteria = { windowSeconds: r.steadyWindowSeconds, tolerance: r.steadyTolerance };
  let reading = steadyState([], criteria);
  const steady = await feed.until(() => {
    reading = steadyState(feed.okSeries().slice(primedFrom), criteria);
    return reading.steady;
  }, deadline);
  const primed = feed.primed();
  return {
    startedAt,
    endedAt: epochNow(),
    clients,
    primedClients: primed,
    ...(primed >= clients ? { primedAfterSeconds: primedFrom } : {}),
    connectionsOpened: primed * partitions,
    steady,
    tps: reading.tps,
    maxSeconds: r.warmupMaxSeconds,
  };
}

/** The closed loop's throughput over the probe, then the rate chosen from it. */
export async function probeCapacity(
  feed: SecondFeed,
  r: RehearsalConfig,
  weights: readonly number[],
): Promise<Calibration> {
  const from = feed.count;
  await feed.next(r.probeSeconds);
  const capacity = mean(feed.okSeries().slice(from, from + r.probeSeconds));
  return calibrate(parseRate(r.rate), capacity, r.probeSeconds, weights);
}

/**
 * The open loop at the calibrated rate: a second for the closed loop's last calls to come
 * back, then the baseline, with the generator's health measured over it alone.
 */
export async function measureBaseline(
  feed: SecondFeed,
  load: RunningLoad,
  calibration: Calibration,
  r: RehearsalConfig,
  partition: number,
): Promise<BaselineEvidence> {
  load.setRates(calibration.groupRates);
  await feed.next(2);
  load.resetHealth();
  const startSecond = feed.count;
  await feed.next(r.baselineSeconds);
  const endSecond = startSecond + r.baselineSeconds;
  const seconds = feed.seconds(startSecond, endSecond);
  const n = Math.max(1, seconds.length);
  const lag = emptyMoments();
  let ok = 0;
  let moved = 0;
  let skipped = 0;
  let attempted = 0;
  for (const s of seconds) {
    mergeMoments(lag, s.lag);
    skipped += s.skipped;
    s.partitions.forEach((p, i) => {
      ok += p.ok;
      if (i === partition) moved += p.ok;
      attempted += p.ok + p.skipped + failedTotal(p);
    });
  }
  return {
    startedAt: feed.epochOf(startSecond),
    endedAt: feed.epochOf(endSecond),
    startSecond,
    endSecond,
    scheduledTps: calibration.rateTps,
    achievedTps: ok / n,
    movedTps: moved / n,
    othersTps: (ok - moved) / n,
    meanLagMillis: lag.n ? lag.sum / lag.n / 1000 : 0,
    skipped,
    skippedShare: attempted ? skipped / attempted : 0,
    generator: load.health(),
  };
}

export interface SettleEvidence {
  readonly startedAt: number;
  readonly endedAt: number;
  /** Both groups back at the recovery ratio before the maximum (undefined: no switch to recover from). */
  readonly recovered: boolean | undefined;
  readonly movedRecoverySeconds: number | undefined;
  readonly othersRecoverySeconds: number | undefined;
  readonly minSeconds: number;
  readonly maxSeconds: number;
}

/**
 * After the migration: at least the minimum, then until the moved partition and the others
 * are back at the recovery ratio of their baselines (judged as the recovery check judges
 * it), up to the maximum.
 */
export async function settle(
  feed: SecondFeed,
  switchEndedAt: number | undefined,
  baseline: BaselineEvidence,
  r: RehearsalConfig,
  limits: RecoveryLimits,
  partition: number,
): Promise<SettleEvidence> {
  const startedAt = epochNow();
  const minEnd = startedAt + r.settleSeconds * 1000;
  const maxEnd = startedAt + r.settleMaxSeconds * 1000;
  let moved: number | undefined;
  let others: number | undefined;
  if (switchEndedAt === undefined) {
    await feed.until(() => false, minEnd);
  } else {
    const from = feed.secondOf(switchEndedAt);
    const back = (include: (p: number) => boolean, base: number) =>
      recoverySeconds(feed.okSeries(include), from, base, limits.ratio, limits.windowSeconds);
    await feed.until(() => {
      moved = back((p) => p === partition, baseline.movedTps);
      others = back((p) => p !== partition, baseline.othersTps);
      return epochNow() >= minEnd && moved !== undefined && others !== undefined;
    }, maxEnd);
  }
  return {
    startedAt,
    endedAt: epochNow(),
    recovered: switchEndedAt === undefined ? undefined : moved !== undefined && others !== undefined,
    movedRecoverySeconds: moved,
    othersRecoverySeconds: others,
    minSeconds: r.settleSeconds,
    maxSeconds: r.settleMaxSeconds,
  };
}
