import { nodeUris, poolerUri } from '../../state/state-file.ts';
import { assertNothingKept, keepTopology } from '../../topology/keep-topology.ts';
import { startTopology } from '../../topology/start-topology.ts';
import { type Command, configOptions, configOptionsHelp, seedOptions, seedOptionsHelp } from '../command.ts';
import { configFromFlags } from '../config-from-flags.ts';
import { formatRows, peakRssMiB } from '../format.ts';

export const upCommand: Command = {
  name: 'up',
  summary: 'provision proxy, old and new and install the seed schema',
  usage: `shardmove up [--keep] [--json] [options]

Provisions the proxy and the two backend clusters, installs schema digoal on every shard,
PL/Proxy and the cluster on the proxy, checks that every partition routes to its shard,
and seeds the data (--profile none skips it). Without --keep it tears everything down
again (a smoke test); with --keep it leaves them running and writes the connection info
to the state file for later commands.

  --keep                   leave the topology running (stop it with shardmove down)
  --json                   print {"provider","proxy","old","new","pgpass"} on stdout
                           (and "pooler", the pgbouncer admin console, on a pooled topology)
${configOptionsHelp}
${seedOptionsHelp}`,
  options: { ...configOptions, ...seedOptions, keep: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ values, reporter, out }) {
    const { config } = await configFromFlags(values);
    const keep = values.keep === true;
    if (keep) await assertNothingKept(config.stateDir);
    const topology = await startTopology({ config, events: reporter.sink });
    const uris = nodeUris(topology.nodes, config.topology.proxyDatabase);
    let pgpass: string | undefined;
    try {
      if (keep) pgpass = (await keepTopology(topology)).pgpass;
    } finally {
      // Kept: from here the state file, not this process, is what stops it (shardmove down).
      if (!keep || pgpass === undefined) await topology.stop();
    }
    reporter.flush();
    if (values.json === true) {
      const pooler = topology.nodes.proxy.pooler;
      const poolerEntry = pooler ? { pooler: poolerUri(pooler) } : {};
      out(JSON.stringify({ provider: topology.provider, ...uris, ...poolerEntry, pgpass: pgpass ?? null }));
    } else {
      out(`provider  ${topology.provider} (run ${topology.runId})`);
      if (topology.seeding.status === 'seeded') {
        const { rows, durationMillis, rowsPerSecond } = topology.seeding;
        out(
          `seeded    ${formatRows(rows)} rows in ${(durationMillis / 1000).toFixed(1)} s (${formatRows(rowsPerSecond)} rows/s), peak memory ${peakRssMiB()} MiB`,
        );
      }
      for (const role of ['proxy', 'old', 'new'] as const) out(`${role.padEnd(9)} ${uris[role]}`);
      const pooler = topology.nodes.proxy.pooler;
      if (pooler) out(`pooler    ${poolerUri(pooler)} (pgbouncer ${pooler.version}, admin console)`);
      if (pgpass) {
        out(`pgpass    ${pgpass}`);
        out(`\ntry:  PGPASSFILE=${pgpass} psql "${uris.proxy}" -c 'select * from query_pk(23)'`);
        out('stop: shardmove down');
      } else {
        out('\nthe topology answered and was torn down again (use --keep to leave it running)');
      }
    }
    return 0;
  },
};
