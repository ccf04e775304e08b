import type pg from 'pg';
import { Bench } from 'tinybench';
import type { ShardmoveConfig } from '../config/config-types.ts';
import { shardDatabase } from '../config/topology-layout.ts';
import { withClient } from '../db/connect.ts';
import type { ScriptName } from '../load/scripts.ts';
import { scriptCatalog } from '../load/scripts.ts';
import type { StartedTopology } from '../topology/start-topology.ts';

export interface MicroBenchmarkResult {
  name: string;
  target: 'proxy' | 'shard';
  script: string;
  samples: number;
  meanMillis: number;
  p99Millis: number;
  opsPerSecond: number;
}

const scripts: readonly ScriptName[] = ['query_pk', 'insert_log'];

/**
 * Per-call cost with tinybench, one connection, one call at a time: each script through
 * the proxy and directly on the shard that serves it (the moved partition's, on old), so
 * the proxy's own overhead per call is the difference. Runs on an idle topology.
 */
export async function microBenchmarks(
  topology: Pick<StartedTopology, 'nodes'>,
  config: ShardmoveConfig,
  timeMillis: number,
): Promise<MicroBenchmarkResult[]> {
  const partition = config.topology.movePartition;
  const partitions = config.topology.partitions;
  let k = 0;
  // User ids of the moved partition, cycling over the first thousand of them.
  const nextId = () => partition + partitions * (1 + (k++ % 1000));
  const opts = { connectTimeoutMillis: config.connectTimeoutMillis, applicationName: 'shardmove-micro' };
  return withClient(topology.nodes.proxy.endpoint, config.topology.proxyDatabase, opts, (proxy) =>
    withClient(topology.nodes.old.endpoint, shardDatabase(partition), opts, async (shard) => {
      const bench = new Bench({ time: timeMillis, warmupTime: Math.min(500, timeMillis / 4) });
      const targets: Array<['proxy' | 'shard', pg.Client]> = [
        ['proxy', proxy],
        ['shard', shard],
      ];
      for (const script of scripts) {
        for (const [target, client] of targets) {
          const query = { name: `micro_${script}`, text: scriptCatalog[script].sql };
          bench.add(`${script} via ${target}`, async () => {
            await client.query({ ...query, values: [nextId()] });
          });
        }
      }
      await bench.run();
      return bench.tasks.map((task) => {
        const [script = '', , target = 'proxy'] = task.name.split(' ');
        const r = task.result;
        if (r.state !== 'completed') {
          throw new Error(
            `micro-benchmark ${task.name}: ${r.state === 'errored' ? r.error.message : r.state}`,
          );
        }
        return {
          name: task.name,
          target: target as 'proxy' | 'shard',
          script,
          samples: r.latency.samplesCount,
          meanMillis: r.latency.mean,
          p99Millis: r.latency.p99,
          opsPerSecond: r.throughput.mean,
        };
      });
    }),
  );
}

/** Proxy cost over the direct call, per script: 1.8 means a call through the proxy takes 1.8 times as long. */
export function proxyOverhead(
  results: readonly MicroBenchmarkResult[],
): Array<{ script: string; ratio: number }> {
  return scripts.flatMap((script) => {
    const via = results.find((r) => r.script === script && r.target === 'proxy');
    const direct = results.find((r) => r.script === script && r.target === 'shard');
    return via && direct ? [{ script, ratio: via.meanMillis / direct.meanMillis }] : [];
  });
}
