import { type RateSpec, rateText } from '../config/rate-spec.ts';

export interface Calibration {
  /** What the rate was asked as: `40% of capacity`, `1500 tps`. */
  readonly asked: string;
  /** Closed-loop TPS of the probe, with the same clients and scripts. */
  readonly capacityTps: number;
  readonly probeSeconds: number;
  /** The open-loop rate the run then scheduled, in all. */
  readonly rateTps: number;
  /** The same, per load group, in the order of the groups. */
  readonly groupRates: readonly number[];
  /** In words, for the report. */
  readonly how: string;
}

/**
 * The rate to schedule: absolute as asked, or the asked share of the probe's capacity;
 * split over the load groups by their weights, so the mix stays what the scenario says.
 */
export function calibrate(
  spec: RateSpec,
  capacityTps: number,
  probeSeconds: number,
  weights: readonly number[],
): Calibration {
  const rateTps = spec.kind === 'absolute' ? spec.tps : spec.share * capacityTps;
  const total = weights.reduce((a, b) => a + b, 0);
  const groupRates = weights.map((w) => (total > 0 ? (rateTps * w) / total : 0));
  const capacity = `capacity ${capacityTps.toFixed(0)} tps (closed loop, ${probeSeconds} s probe after the warm-up)`;
  return {
    asked: rateText(spec),
    capacityTps,
    probeSeconds,
    rateTps,
    groupRates,
    how:
      spec.kind === 'absolute'
        ? `${rateTps.toFixed(0)} tps as asked; ${capacity}`
        : `${rateText(spec)}: ${rateTps.toFixed(0)} tps of ${capacity}`,
  };
}
