import { ConfigError, ShardmoveError } from '../../errors.ts';
import { migrationContext } from '../../migrate/migration-context.ts';
import { lockPartition } from '../../migrate/partition-lock.ts';
import { recoverMigration } from '../../migrate/recover-migration.ts';
import { phaseLines } from '../../report/summary.ts';
import { readJournal, removeJournal } from '../../state/migration-journal.ts';
import { acquireMigrationLock } from '../../state/migration-lock.ts';
import { openKeptTopology } from '../../topology/kept-topology.ts';
import { processAlive } from '../../util/process-alive.ts';
import { type Command, configOptions } from '../command.ts';
import { configFromFlags } from '../config-from-flags.ts';

export const recoverCommand: Command = {
  name: 'recover',
  summary: 'finish or roll back a `migrate` that was interrupted (Ctrl-C, kill -9, a crash)',
  usage: `shardmove recover [--state-dir DIR]

Finds an interrupted migration from the journal \`migrate\` keeps in the state directory,
then looks at where the proxy sends the partition: on new (the switch happened), it drops
what is left of the replication and checks parity with old (kept); otherwise it rolls
back: the partition back on old read-write, what was created on new dropped. Exits 0 when
the partition is read-write on one side and the journal is gone.

  --state-dir DIR          the state directory (default: .shardmove)`,
  options: {
    'state-dir': configOptions['state-dir'],
    scenario: configOptions.scenario,
    config: configOptions.config,
  },
  async run({ values, positionals, reporter, out }) {
    if (positionals.length) throw new ConfigError(`recover takes no arguments, got ${positionals.join(' ')}`);
    const { config: layered } = await configFromFlags(values);
    await using _stateLock = await acquireMigrationLock(layered.stateDir, 'recover');
    const journal = await readJournal(layered.stateDir);
    if (!journal) {
      out('nothing to recover: no interrupted migration in the state directory');
      return 0;
    }
    const { state, nodes } = await openKeptTopology(layered.stateDir);
    if (journal.topologyRunId !== state.runId) {
      throw new ShardmoveError(
        `the migration journal belongs to topology ${journal.topologyRunId}, but the kept topology is ${state.runId}`,
        { hint: 'the journal was left by another topology: check that one, or remove the journal by hand' },
      );
    }
    // The state-directory lock says whether a migrate still runs; its pid, recorded here
    // too, says the same for a migrate of an older shardmove that took no lock.
    if (journal.pid !== process.pid && processAlive(journal.pid)) {
      throw new ShardmoveError(
        `the migration of p${journal.partition} is still running (pid ${journal.pid}, started ${journal.startedAt})`,
        { hint: 'wait for it, or stop it first; recover finishes a migration that has stopped' },
      );
    }
    const config = {
      ...layered,
      topology: { ...state.topology, movePartition: journal.partition },
      migration: { ...layered.migration, strategy: journal.strategy },
    };
    const context = migrationContext(
      config,
      nodes,
      state.runId,
      reporter.sink,
      state.handle,
      journal.migrationId,
    );
    await using _partitionLock = await lockPartition(context, 'recover');
    const recovery = await recoverMigration(context);
    reporter.flush();
    out(
      `found: ${recovery.found} (a ${journal.strategy} migration started ${journal.startedAt} by pid ${journal.pid})`,
    );
    for (const line of phaseLines(recovery.phases)) out(line);
    const done = recovery.phases.every((p) => p.status === 'ok');
    out(`${recovery.action}: ${recovery.state}`);
    if (done) await removeJournal(layered.stateDir);
    return done ? 0 : 1;
  },
};
