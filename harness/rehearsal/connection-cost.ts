import { availableParallelism } from 'node:os';
import type { Endpoint } from '../config/dsn.ts';
import { withClient } from '../db/connect.ts';
import { median } from '../util/median.ts';

/** What a new connection costs on this topology: connect, then the first call (pgbench -C). */
export interface ConnectionCost {
  /** Median over the samples, ms. */
  readonly medianMillis: number;
  readonly minMillis: number;
  readonly maxMillis: number;
  readonly samples: number;
  /** Where it was measured: directly on a shard, as a proxy backend connects to one. */
  readonly target: string;
}

/**
 * One reconnection storm: every proxy backend reopening its connection to every partition,
 * as PL/Proxy does after any change to its cluster's configuration. Expected length:
 * backends x partitions x connection cost / cores, when the connections' CPU is the limit.
 */
export interface StormEstimate {
  readonly connectionMillis: number;
  readonly proxyBackends: number;
  readonly partitions: number;
  readonly cores: number;
  readonly expectedSeconds: number;
}

/** Opens `samples` connections one after the other, each with its first call, and times them. */
export async function measureConnectionCost(
  endpoint: Endpoint,
  database: string,
  firstCall: string,
  samples: number,
  connectTimeoutMillis: number,
): Promise<ConnectionCost> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await withClient(
      endpoint,
      database,
      { connectTimeoutMillis, applicationName: 'shardmove-connect' },
      (c) => c.query(firstCall),
    );
    times.push(performance.now() - started);
  }
  return {
    medianMillis: median(times),
    minMillis: Math.min(...times),
    maxMillis: Math.max(...times),
    samples,
    target: `${endpoint.host}:${endpoint.port}/${database}`,
  };
}

export function stormEstimate(
  cost: ConnectionCost,
  proxyBackends: number,
  partitions: number,
  cores = availableParallelism(),
): StormEstimate {
  return {
    connectionMillis: cost.medianMillis,
    proxyBackends,
    partitions,
    cores,
    expectedSeconds: (proxyBackends * partitions * cost.medianMillis) / 1000 / Math.max(1, cores),
  };
}
