import { ConfigError } from '../errors.ts';

/** The load's rate: calls per second in all, or a share of the topology's measured capacity. */
export type RateSpec =
  | { readonly kind: 'absolute'; readonly tps: number }
  | { readonly kind: 'capacity-share'; readonly share: number };

/** `500`, `"500"` or `"40%"` (pgbench's -R, or a share of what a closed loop reached). */
export function parseRate(value: number | string, what = 'rate'): RateSpec {
  const text = String(value).trim();
  const share = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (share) {
    const pct = Number(share[1]);
    if (pct > 0 && pct <= 100) return { kind: 'capacity-share', share: pct / 100 };
    throw new ConfigError(`${what} ${text}: a share of capacity must be above 0% and at most 100%`);
  }
  const tps = Number(text);
  if (text !== '' && Number.isFinite(tps) && tps > 0) return { kind: 'absolute', tps };
  throw new ConfigError(
    `${what} must be calls per second (500) or a share of capacity (40%), got ${JSON.stringify(value)}`,
  );
}

export function rateText(spec: RateSpec): string {
  return spec.kind === 'absolute' ? `${spec.tps} tps` : `${+(spec.share * 100).toFixed(2)}% of capacity`;
}
