import type { ProviderName } from '../harness/config/config-types.ts';
import { loadConfig } from '../harness/config/load-config.ts';
import { ignoreEvents } from '../harness/events.ts';
import { type StartedTopology, startTopology } from '../harness/topology/start-topology.ts';
import { insertLogScript, median, pgbench, quiesce } from './pgbench.ts';

/**
 * Goal (issue 2): insert_log through the containers provider reaches at least 90% of the
 * local provider's TPS on the same machine. Both topologies run side by side and pgbench
 * alternates between them, so drift in the machine affects both alike.
 */
export async function providerTpsBench(options: {
  rounds: number;
  durationSeconds: number;
  clients: number;
}): Promise<void> {
  const providers: ProviderName[] = ['local', 'containers'];
  const topologies = new Map<ProviderName, StartedTopology>();
  try {
    for (const provider of providers) {
      const { config } = await loadConfig({ flags: { provider, load: { clients: options.clients } } });
      topologies.set(provider, await startTopology({ config, events: ignoreEvents }));
    }
    const tps = new Map<ProviderName, number[]>(providers.map((p) => [p, []]));
    console.log(
      `provider TPS: pgbench -M prepared -c ${options.clients} -j 2 -T ${options.durationSeconds}, select insert_log(:id), ${options.rounds} alternating rounds`,
    );
    for (let round = 1; round <= options.rounds; round++) {
      // ABBA order: whichever provider goes first in a round has fresher tables and a
      // cooler machine, so the first slot alternates.
      for (const provider of round % 2 === 1 ? providers : [...providers].reverse()) {
        const topology = topologies.get(provider) as StartedTopology;
        await quiesce([...topologies.values()]);
        const result = await pgbench(topology.nodes.proxy, topology.config.topology.proxyDatabase, {
          clients: options.clients,
          threads: 2,
          durationSeconds: options.durationSeconds,
          script: insertLogScript,
        });
        tps.get(provider)?.push(result.steadyTps);
        console.log(
          `  round ${round} ${provider.padEnd(10)} steady ${result.steadyTps.toFixed(1)} tps (whole run incl. warm-up ${result.overallTps.toFixed(1)})`,
        );
      }
    }
    const local = median(tps.get('local') ?? []);
    const containers = median(tps.get('containers') ?? []);
    const ratio = containers / local;
    console.log(`  median steady local      ${local.toFixed(1)} tps`);
    console.log(`  median steady containers ${containers.toFixed(1)} tps`);
    console.log(
      `  ratio containers/local ${ratio.toFixed(3)} (goal >= 0.90: ${ratio >= 0.9 ? 'met' : 'NOT met'})`,
    );
  } finally {
    for (const topology of topologies.values()) await topology.stop();
  }
}
