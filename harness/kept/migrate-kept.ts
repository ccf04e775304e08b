import type { ShardmoveConfig } from '../config/config-types.ts';
import { ConfigError, ShardmoveError } from '../errors.ts';
import type { EventSink } from '../events.ts';
import { faultPlanProblem } from '../faults/fault-plan.ts';
import { type FaultedMigration, migrateUnderFaults } from '../faults/migrate-under-faults.ts';
import { migrationContext } from '../migrate/migration-context.ts';
import { lockPartition } from '../migrate/partition-lock.ts';
import { partitionHome } from '../migrate/partition-target.ts';
import { finishedCleanly } from '../migrate/run-migration.ts';
import { describePending, readJournal, removeJournal, writeJournal } from '../state/migration-journal.ts';
import { acquireMigrationLock } from '../state/migration-lock.ts';
import { openKeptPartition } from './kept-partition.ts';

export interface MigrateKeptRequest {
  /** The layered config: its movePartition is the partition to move, its stateDir the kept topology's. */
  readonly config: ShardmoveConfig;
  /** Whether the freeze method was chosen (a flag): otherwise a pooled topology's is the trigger freeze. */
  readonly freezeChosen: boolean;
  readonly events: EventSink;
}

/**
 * Moves one partition of the topology `up --keep` left running, without a load: under the
 * state directory's lock and the partition's, with a journal that only a migration that
 * left nothing to do removes (`recover` reads it otherwise).
 */
export async function migrateKept(request: MigrateKeptRequest): Promise<FaultedMigration> {
  const { config: layered, events } = request;
  const { state, nodes, config } = await openKeptPartition(layered, request.freezeChosen);
  const partition = layered.topology.movePartition;
  // The flags were checked against the configured provider; the nodes run on the kept one.
  const faultIssue = faultPlanProblem(config, state.handle.provider);
  if (faultIssue) throw new ConfigError(faultIssue);
  await using _stateLock = await acquireMigrationLock(layered.stateDir, 'migrate');
  const pending = await readJournal(layered.stateDir);
  if (pending) {
    throw new ShardmoveError(describePending(pending), {
      hint: 'run `shardmove recover` first: it finishes or rolls back that migration',
    });
  }
  const context = migrationContext(config, nodes, state.runId, events, state.handle);
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
    steps: config.migration.steps,
    startedAt: new Date().toISOString(),
    pid: process.pid,
  });
  const result = await migrateUnderFaults(context);
  // Only a migration that left nothing to do drops its journal: a failure after the
  // switch, or a rollback with a step that failed (a partition still frozen, a slot left),
  // keeps it, so that `recover` can still reach what is left.
  if (finishedCleanly(result)) await removeJournal(layered.stateDir);
  return result;
}
