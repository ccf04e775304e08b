import { ShardmoveError } from '../../errors.ts';
import { step } from '../../events.ts';
import { seedTopology } from '../../seed/seed-topology.ts';
import { readState, stateEndpoints } from '../../state/state-file.ts';
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
  --state-dir DIR          the state directory (default: .shardmove)`,
  options: {
    ...seedOptions,
    scenario: configOptions.scenario,
    config: configOptions.config,
    'state-dir': configOptions['state-dir'],
  },
  async run({ values, reporter, out }) {
    const { config: layered } = await configFromFlags(values);
    const state = await readState(layered.stateDir);
    if (!state) {
      throw new ShardmoveError(`no kept topology in ${layered.stateDir}`, {
        hint: 'start one with `shardmove up --keep`',
      });
    }
    const config = { ...layered, topology: state.topology };
    if (config.seeding.profile === 'none')
      throw new ShardmoveError('--profile none loads nothing; choose full, default or ci');
    const nodes = await stateEndpoints(state);
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
    return 0;
  },
};
