import { nodeRoles } from '../../config/config-types.ts';
import { onNode } from '../../db/node-session.ts';
import { epochNow } from '../../util/epoch-clock.ts';
import { go, noGo, type ReadinessInput, type ReadinessItem } from '../readiness.ts';

/**
 * Each node's clock against this host's, read as the midpoint of a round trip (its half is
 * the uncertainty): the run lines up the proxy's, old's and new's timestamps (the freeze
 * on the proxy's clock, the rejections on the client's), which a skew shifts.
 */
export async function clockSkew(input: ReadinessInput): Promise<ReadinessItem> {
  const cause = 'clock skew';
  const offsets: { role: string; offset: number; uncertainty: number }[] = [];
  for (const role of nodeRoles) {
    const database = role === 'proxy' ? input.proxyDatabase : 'postgres';
    offsets.push(
      await onNode(input.sessions, role, database, async (c) => {
        await c.query('select 1');
        const sent = epochNow();
        const { rows } = await c.query<{ at: string }>(
          `select (extract(epoch from clock_timestamp()) * 1000)::float8::text as at`,
        );
        const received = epochNow();
        return {
          role,
          offset: Number(rows[0]?.at) - (sent + received) / 2,
          uncertainty: (received - sent) / 2,
        };
      }),
    );
  }
  const spread = Math.max(...offsets.map((o) => o.offset)) - Math.min(...offsets.map((o) => o.offset));
  const uncertainty = Math.max(...offsets.map((o) => o.uncertainty)) * 2;
  const detail = `offsets from this host: ${offsets.map((o) => `${o.role} ${o.offset.toFixed(1)} ms`).join(', ')} (±${uncertainty.toFixed(1)} ms)`;
  return spread - uncertainty > input.maxClockSkewMillis
    ? noGo(cause, detail, [
        `the nodes' clocks differ by ${spread.toFixed(0)} ms, over ${input.maxClockSkewMillis} ms`,
      ])
    : go(cause, detail);
}
