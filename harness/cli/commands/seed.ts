import { ShardmoveError } from '../../errors.ts';
import { step } from '../../events.ts';
import { seedTopology } from '../../seed/seed-topology.ts';
import { restoreShards, snapshotShards } from '../../seed/snapshot.ts';
import { openKeptTopology } from '../../topology/kept-topology.ts';
import { seedDetail } from '../../topology/start-topology.ts';
import { type Command, configOptions, seedOptions, seedOptionsHelp } from '../command.ts';
import { configFromFlags } from '../config-from-flags.ts';
import { formatRows, peakRssMiB } from '../format.ts';

export const seedCommand: Command = {
  name: 'seed',
  summary: 'load (or with --truncate reload) the data of a topology kept by `up --keep`',
  usage: `shardmove seed [--profile P] [--data D] [--truncate] [options]

Loads every shard of the kept topology by COPY, then adds the primary keys. A topology
that already holds rows is left as it is unless --truncate is given.

${seedOptionsHelp}
  --snapshot               afterwards, keep each shard's data as a template (dbN_seeded)
  --restore                put every shard back to its snapshot instead of seeding
  --state-dir DIR          the state directory (default: .shardmove)`,
  options: {
    ...seedOptions,
    scenario: configOptions.scenario,
    config: configOptions.config,
    'state-dir': configOptions['state-dir'],
  },
  async run({ values, reporter, out }) {
    const { config: layered } = await configFromFlags(values, { topologyKept: true });
    const { state, nodes } = await openKeptTopology(layered.stateDir);
    const config = { ...layered, topology: state.topology };
    if (config.seeding.profile === 'none')
      throw new ShardmoveError('--profile none loads nothing; choose full, default or ci');
    const shards = Array.from({ length: config.topology.partitions }, (_, i) => i);
    if (values.restore === true) {
      const started = performance.now();
      await step(reporter.sink, 'restore snapshots', () => restoreShards(nodes, config, state.runId, shards));
      reporter.flush();
      out(
        `restored ${shards.length} shards from their snapshots in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      return 0;
    }
    const outcome = await step(
      reporter.sink,
      'seed',
      () => seedTopology(nodes, config, reporter.sink),
      seedDetail(config),
    );
    reporter.flush();
    if (outcome.status === 'seeded') {
      out(
        `seeded ${formatRows(outcome.rows)} rows in ${(outcome.durationMillis / 1000).toFixed(1)} s ` +
          `(${formatRows(outcome.rowsPerSecond)} rows/s); peak memory ${peakRssMiB()} MiB`,
      );
    } else if (outcome.status === 'already-seeded') {
      out(`left as is: ${outcome.seededShards.length} shards already hold rows (--truncate reseeds)`);
    }
    if (values.snapshot === true) {
      await step(reporter.sink, 'snapshot', () => snapshotShards(nodes, config, state.runId, shards));
      reporter.flush();
      out(`snapshot taken: ${shards.length} template databases (dbN_seeded); restore with --restore`);
    }
    return 0;
  },
};
