import type { ShardmoveConfig } from '../config/config-types.ts';
import { builtinSteps } from '../config/load-config.ts';
import { ShardmoveError } from '../errors.ts';
import type { EventSink } from '../events.ts';
import { migrationContext } from '../migrate/migration-context.ts';
import { lockPartition } from '../migrate/partition-lock.ts';
import { type Recovery, recoverMigration } from '../migrate/recover-migration.ts';
import { type MigrationJournal, readJournal, removeJournal } from '../state/migration-journal.ts';
import { acquireMigrationLock } from '../state/migration-lock.ts';
import { openKeptTopology } from '../topology/kept-topology.ts';
import { processAlive } from '../util/process-alive.ts';

export type RecoveredKept =
  | { readonly found: 'nothing' }
  | {
      readonly found: 'journal';
      readonly journal: MigrationJournal;
      readonly recovery: Recovery;
      readonly done: boolean;
    };

/**
 * Finishes or rolls back the migration the journal names, once its process has stopped and
 * if it belongs to the kept topology; the journal goes only when every step succeeded.
 */
export async function recoverKept(layered: ShardmoveConfig, events: EventSink): Promise<RecoveredKept> {
  await using _stateLock = await acquireMigrationLock(layered.stateDir, 'recover');
  const journal = await readJournal(layered.stateDir);
  if (!journal) return { found: 'nothing' };
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
    migration: {
      ...layered.migration,
      strategy: journal.strategy,
      steps: [...(journal.steps ?? (await builtinSteps(journal.strategy, layered.migration.switch)))],
    },
  };
  const context = migrationContext(config, nodes, state.runId, events, state.handle, journal.migrationId);
  await using _partitionLock = await lockPartition(context, 'recover');
  const recovery = await recoverMigration(context);
  const done = recovery.action !== 'left alone' && recovery.phases.every((p) => p.status === 'ok');
  if (done) await removeJournal(layered.stateDir);
  return { found: 'journal', journal, recovery, done };
}
