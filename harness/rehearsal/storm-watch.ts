import { connect } from '../db/connect.ts';
import type { NodeSessions } from '../db/node-session.ts';
import { epochNow } from '../util/epoch-clock.ts';
import { KeptClient, startSampling } from './sampling-loop.ts';

const intervalMillis = 250;
const applicationName = 'shardmove storm watch';
/** How long stop() waits for a sample in flight (a node paused by a fault answers nothing). */
const stopWaitMillis = 2000;

/** PL/Proxy's connections to a data node: every partition's connstring names it by its number. */
const proxyConnections = `select count(*)::int n from pg_stat_activity
  where backend_type = 'client backend' and application_name ~ '^[0-9]+$'`;

export interface ConnectionSample {
  /** Epoch ms, the harness's clock. */
  readonly at: number;
  /** PL/Proxy's connections on old and new together. */
  readonly connections: number;
}

export interface StartedStormWatch {
  stop(): Promise<readonly ConnectionSample[]>;
}

/**
 * Counts PL/Proxy's connections on old and new every 250 ms, so that the storm a move
 * caused is measured, not only estimated: on a busy host the switch's storm, competing with
 * the move's own work, outlasted the warm-up's (51 s against 36 s, a connection 60 ms).
 * Never fails the run: a sample that cannot be taken is skipped.
 */
export async function watchProxyConnections(sessions: NodeSessions): Promise<StartedStormWatch> {
  const kept = (['old', 'new'] as const).map((role) => {
    const node = sessions.nodes[role];
    return new KeptClient(() =>
      connect(
        { ...node.endpoint, database: 'postgres' },
        'postgres',
        { ...sessions.config, applicationName },
        `${role}/postgres`,
      ),
    );
  });
  const samples: ConnectionSample[] = [];
  const sampling = startSampling(intervalMillis, async () => {
    let connections = 0;
    let complete = true;
    for (const client of kept) {
      try {
        connections += (await (await client.get()).query<{ n: number }>(proxyConnections)).rows[0]?.n ?? 0;
      } catch {
        complete = false;
        await client.drop();
      }
    }
    if (complete) samples.push({ at: epochNow(), connections });
  });
  return {
    async stop() {
      await sampling.stop(stopWaitMillis);
      for (const client of kept) await client.close();
      return samples;
    },
  };
}

/**
 * Seconds from `fromEpochMillis` until PL/Proxy's connections were back: the first sample
 * at or after it with at least 95% of the most connections seen from then on (the plateau
 * they climb back to; the moved partition's own clients reconnect only to it, so the count
 * before the move is not the mark). Undefined without samples after it.
 */
export function reconnectedAfterSeconds(
  samples: readonly ConnectionSample[],
  fromEpochMillis: number,
): number | undefined {
  const after = samples.filter((s) => s.at >= fromEpochMillis);
  if (after.length === 0) return undefined;
  const plateau = Math.max(...after.map((s) => s.connections));
  const back = after.find((s) => s.connections >= 0.95 * plateau);
  return back === undefined ? undefined : (back.at - fromEpochMillis) / 1000;
}
