import type pg from 'pg';
import type { Endpoint } from '../config/dsn.ts';
import { connect } from '../db/connect.ts';
import { sleep } from '../util/sleep.ts';

export interface AckedWriter {
  /** Stops writing and returns the user ids whose insert_log was acknowledged. */
  stop(): Promise<{ acknowledged: number[]; refused: number }>;
}

/**
 * An application writing to the moved partition through the proxy while the migration is
 * killed and recovered: every call acknowledged is a write that must survive, wherever the
 * partition ends up. Refusals (the freeze, a reconnect) are counted, never retried.
 */
export function startAckedWriter(
  proxy: Endpoint,
  database: string,
  partition: number,
  partitions: number,
): AckedWriter {
  const acknowledged: number[] = [];
  let refused = 0;
  let running = true;
  let next = 1_000_000;
  const loop = (async () => {
    let client: pg.Client | undefined;
    while (running) {
      try {
        client ??= await connect(proxy, database, {
          connectTimeoutMillis: 5000,
          applicationName: 'shardmove-chaos',
        });
        const id = partition + partitions * next++;
        await client.query('select insert_log($1)', [id]);
        acknowledged.push(id);
        await sleep(10);
      } catch {
        refused++;
        await client?.end().catch(() => {});
        client = undefined;
        await sleep(100);
      }
    }
    await client?.end().catch(() => {});
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { acknowledged, refused };
    },
  };
}
