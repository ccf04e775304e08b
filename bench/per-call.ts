import { loadConfig } from '../harness/config/load-config.ts';
import { ignoreEvents } from '../harness/events.ts';
import { microBenchmarks, proxyOverhead } from '../harness/rehearsal/micro-benchmarks.ts';
import { startTopology } from '../harness/topology/start-topology.ts';

/**
 * tinybench per-call costs (issue 6): query_pk and insert_log through the proxy and directly
 * on the shard, one connection, on an idle topology; the proxy's overhead as a ratio.
 */
export async function perCallBench(options: { timeMillis: number; provider: string }): Promise<void> {
  const { config } = await loadConfig({ flags: { provider: options.provider, seeding: { profile: 'ci' } } });
  await using topology = await startTopology({ config, events: ignoreEvents });
  const results = await microBenchmarks(topology, config, options.timeMillis);
  console.log(
    `provider ${topology.provider}, ${options.timeMillis} ms per task, one connection, p${config.topology.movePartition}`,
  );
  console.log('  call                     mean ms   p99 ms    ops/s  samples');
  for (const r of results) {
    console.log(
      `  ${r.name.padEnd(22)} ${r.meanMillis.toFixed(3).padStart(8)} ${r.p99Millis.toFixed(3).padStart(8)} ${r.opsPerSecond.toFixed(0).padStart(8)} ${String(r.samples).padStart(8)}`,
    );
  }
  for (const r of proxyOverhead(results)) {
    console.log(`  ${r.script}: through the proxy / directly on the shard = ${r.ratio.toFixed(2)}`);
  }
}
