import { loadConfig } from '../harness/config/load-config.ts';
import { ignoreEvents } from '../harness/events.ts';
import { startLoad } from '../harness/load/run-load.ts';
import { pgbenchScript } from '../harness/load/scripts.ts';
import { startTopology } from '../harness/topology/start-topology.ts';
import { median, pgbench, quiesce } from './pgbench.ts';

/**
 * Goal (issue 4): `shardmove load` reaches at least 0.95 of pgbench's TPS (pgbench -j 2)
 * with the same script, clients and duration against the same proxy, alternated. Both
 * are compared on their steady state: the median per-second TPS of each run's second half.
 */
export async function loadVsPgbenchBench(options: {
  rounds: number;
  durationSeconds: number;
  clients: number;
}): Promise<void> {
  const { config } = await loadConfig({
    flags: { seeding: { profile: 'ci' }, load: { clients: options.clients } },
  });
  await using topology = await startTopology({ config, events: ignoreEvents });
  const database = topology.config.topology.proxyDatabase;
  const ours: number[] = [];
  const theirs: number[] = [];
  console.log(
    `load vs pgbench: select insert_log(:id), -c ${options.clients} -T ${options.durationSeconds}, pgbench -M prepared -j 2, provider ${topology.provider}`,
  );
  const runPgbench = async () => {
    const pg = await pgbench(topology.nodes.proxy, database, {
      clients: options.clients,
      threads: 2,
      durationSeconds: options.durationSeconds,
      script: pgbenchScript('insert_log'),
    });
    theirs.push(pg.steadyTps);
    return `pgbench ${pg.steadyTps.toFixed(1)} tps`;
  };
  const runOurs = async () => {
    const result = await startLoad({
      target: { ...topology.nodes.proxy.endpoint, database },
      partitions: 32,
      groups: [{ name: 'bench', clients: options.clients, scripts: [{ name: 'insert_log', weight: 1 }] }],
      durationSeconds: options.durationSeconds,
    }).done;
    const perSecond = result.seconds
      .slice(0, options.durationSeconds)
      .map((s) => s.partitions.reduce((n, p) => n + p.ok, 0));
    ours.push(median(perSecond.slice(Math.floor(perSecond.length / 2))));
    return (
      `shardmove load ${ours.at(-1)?.toFixed(1)} tps (${result.generator.threads} threads, ` +
      `event loop ${Math.round(result.generator.eventLoopUtilization * 100)}% busy)`
    );
  };
  for (let round = 1; round <= options.rounds; round++) {
    // ABBA order: login_log grows with every run, so whichever goes first has an edge.
    const order = round % 2 === 1 ? [runPgbench, runOurs] : [runOurs, runPgbench];
    const lines: string[] = [];
    for (const run of order) {
      await quiesce([topology]);
      lines.push(await run());
    }
    console.log(`  round ${round}: ${lines.join(', ')}`);
  }
  const ratio = median(ours) / median(theirs);
  console.log(
    `  median pgbench ${median(theirs).toFixed(1)} tps, shardmove load ${median(ours).toFixed(1)} tps`,
  );
  console.log(
    `  ratio shardmove/pgbench ${ratio.toFixed(3)} (goal >= 0.95: ${ratio >= 0.95 ? 'met' : 'NOT met'})`,
  );
}
