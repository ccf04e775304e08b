import { poolerProblem, withPoolerFreeze } from '../../config/validate-config.ts';
import { ConfigError, ShardmoveError } from '../../errors.ts';
import { migrateUnderFaults } from '../../faults/migrate-under-faults.ts';
import { migrationContext } from '../../migrate/migration-context.ts';
import { lockPartition } from '../../migrate/partition-lock.ts';
import { partitionHome } from '../../migrate/partition-target.ts';
import { finishedCleanly } from '../../migrate/run-migration.ts';
import { phaseLines } from '../../report/summary.ts';
import { readJournal, removeJournal, writeJournal } from '../../state/migration-journal.ts';
import { acquireMigrationLock } from '../../state/migration-lock.ts';
import { openKeptTopology } from '../../topology/kept-topology.ts';
import { type Command, configOptions } from '../command.ts';
import { configFromFlags } from '../config-from-flags.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'move one partition of a kept topology from old to new (no load; then `verify`)',
  usage: `shardmove migrate [--strategy seed|matview|copy|logical] [--partition N] [--logs migrate|leave] [--freeze connstring|table-triggers] [--json]

Runs a strategy's phases against the topology \`up --keep\` left running, without a load:
a failure before the switch is rolled back. The old database is kept: \`shardmove verify
--drop-old\` checks the move and then drops it. Exits 0 when the partition was moved.

  --strategy S             seed (default), matview, copy or logical
  --partition N            the partition to move (default: 23); it must live on old
  --logs migrate|leave     copy login_log (default) or leave it, as the article does
  --freeze connstring|table-triggers
                           freeze p<N> by its connstring (default, the article's; PL/Proxy
                           reconnects every partition) or by triggers on old's tables
  --json                   print the migration result as JSON
  --state-dir DIR          the state directory (default: .shardmove)`,
  options: {
    strategy: { type: 'string' },
    partition: { type: 'string' },
    logs: { type: 'string' },
    freeze: { type: 'string' },
    json: { type: 'boolean' },
    scenario: configOptions.scenario,
    config: configOptions.config,
    'state-dir': configOptions['state-dir'],
  },
  async run({ values, positionals, reporter, out }) {
    if (positionals.length) throw new ConfigError(`migrate takes no arguments, got ${positionals.join(' ')}`);
    const { config: layered } = await configFromFlags(values);
    const { state, nodes } = await openKeptTopology(layered.stateDir);
    const partition = layered.topology.movePartition;
    if (partition >= state.topology.partitions) {
      throw new ConfigError(
        `partition ${partition} does not exist: the kept topology has ${state.topology.partitions}`,
      );
    }
    let config = { ...layered, topology: { ...state.topology, movePartition: partition } };
    // The kept topology may be pooled, which the flags alone did not say.
    if (values.freeze === undefined) config = withPoolerFreeze(config);
    const poolerIssue = poolerProblem(config);
    if (poolerIssue) throw new ConfigError(poolerIssue.message, { hint: poolerIssue.hint });
    await using _stateLock = await acquireMigrationLock(layered.stateDir, 'migrate');
    const pending = await readJournal(layered.stateDir);
    if (pending) {
      throw new ShardmoveError(
        `a migration of p${pending.partition} (${pending.strategy}, started ${pending.startedAt}) was interrupted or left something behind`,
        { hint: 'run `shardmove recover` first: it finishes or rolls back that migration' },
      );
    }
    const context = migrationContext(config, nodes, state.runId, reporter.sink, state.handle);
    await using _partitionLock = await lockPartition(context, 'migrate');
    const where = await partitionHome(context);
    if (where.home !== 'old' || where.readOnly) {
      throw new ShardmoveError(
        `p${partition} is ${where.readOnly ? 'frozen read-only' : `on ${where.home}`}, not on old read-write: nothing to move`,
        { hint: 'migrate moves a partition from old to new; `shardmove verify` checks one that has moved' },
      );
    }
    await writeJournal(layered.stateDir, {
      topologyRunId: state.runId,
      migrationId: context.migrationId,
      partition,
      strategy: config.migration.strategy,
      startedAt: new Date().toISOString(),
      pid: process.pid,
    });
    const result = await migrateUnderFaults(context);
    // Only a migration that left nothing to do drops its journal: a failure after the
    // switch, or a rollback with a step that failed (a partition still frozen, a slot left),
    // keeps it, so that `recover` can still reach what is left.
    if (finishedCleanly(result)) await removeJournal(layered.stateDir);
    reporter.flush();
    if (values.json) out(JSON.stringify(result, null, 2));
    else {
      for (const line of phaseLines([...result.phases, ...result.rollback])) out(line);
      out(`\n${result.outcome}: ${result.state}`);
    }
    return result.outcome === 'completed' ? 0 : 1;
  },
};
