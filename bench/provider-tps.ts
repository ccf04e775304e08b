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
  // The third shows what the containers' CPU scheduling is worth (see host-cpu-scheduling.ts).
  const variants: Array<{ label: string; flags: Record<string, unknown> }> = [
    { label: 'local', flags: { provider: 'local' } },
    { label: 'containers', flags: { provider: 'containers' } },
    {
      label: 'containers in Docker cgroup',
      flags: { provider: 'containers', containers: { cpuScheduling: 'container' } },
    },
  ];
  const width = Math.max(...variants.map((v) => v.label.length));
  const topologies = new Map<string, StartedTopology>();
  console.log(
    `provider TPS: pgbench -M prepared -c ${options.clients} -j 2 -T ${options.durationSeconds}, select insert_log(:id), ${options.rounds} alternating rounds`,
  );
  try {
    for (const { label, flags } of variants) {
      const { config } = await loadConfig({ flags: { ...flags, load: { clients: options.clients } } });
      const topology = await startTopology({ config, events: ignoreEvents });
      topologies.set(label, topology);
      const scheduling = topology.facts.cpuScheduling;
      console.log(
        `  ${label.padEnd(width)} ${topology.runId}${scheduling ? `, CPU scheduling ${scheduling}` : ''}`,
      );
    }
    const tps = new Map<string, number[]>(variants.map((v) => [v.label, []]));
    const labels = variants.map((v) => v.label);
    for (let round = 1; round <= options.rounds; round++) {
      // ABC then CBA: whichever goes first in a round has fresher tables and a cooler
      // machine, so the order alternates.
      for (const label of round % 2 === 1 ? labels : [...labels].reverse()) {
        const topology = topologies.get(label) as StartedTopology;
        await quiesce([...topologies.values()]);
        const result = await pgbench(topology.nodes.proxy, topology.config.topology.proxyDatabase, {
          clients: options.clients,
          threads: 2,
          durationSeconds: options.durationSeconds,
          script: insertLogScript,
        });
        tps.get(label)?.push(result.steadyTps);
        console.log(
          `  round ${round} ${label.padEnd(width)} steady ${result.steadyTps.toFixed(1)} tps (whole run incl. warm-up ${result.overallTps.toFixed(1)})`,
        );
      }
    }
    const medians = new Map(labels.map((l) => [l, median(tps.get(l) ?? [])]));
    for (const [label, value] of medians)
      console.log(`  median steady ${label.padEnd(width)} ${value.toFixed(1)} tps`);
    const local = medians.get('local') ?? Number.NaN;
    const ratio = (medians.get('containers') ?? 0) / local;
    const docker = (medians.get('containers in Docker cgroup') ?? 0) / local;
    console.log(
      `  ratio containers/local ${ratio.toFixed(3)} (goal >= 0.90: ${ratio >= 0.9 ? 'met' : 'NOT met'}); ` +
        `in Docker's CPU cgroup ${docker.toFixed(3)}`,
    );
  } finally {
    for (const topology of topologies.values()) await topology.stop();
  }
}
