import type { ShardmoveConfig } from '../config/config-types.ts';
import { ShardmoveError } from '../errors.ts';
import type { EventSink } from '../events.ts';
import { migrationContext } from '../migrate/migration-context.ts';
import { lockPartition } from '../migrate/partition-lock.ts';
import type { PhaseResult } from '../migrate/phase-result.ts';
import { dropOld } from '../migrate/run-migration.ts';
import { describePending, readJournal } from '../state/migration-journal.ts';
import { acquireMigrationLock } from '../state/migration-lock.ts';
import { type MoveCheck, verifyMove } from '../verify/verify-move.ts';
import { openKeptPartition } from './kept-partition.ts';

export interface VerifiedKept {
  readonly checks: MoveCheck[];
  readonly passed: boolean;
  /** The old copy's drop, when asked for and every check held. */
  readonly dropOld: PhaseResult | undefined;
}

/**
 * Checks a partition `migrate` moved on the kept topology; drops old's copy only when asked
 * and every check held. The drop takes the locks a migrate takes and refuses while a
 * journal is pending: old's copy is what `recover` finishes or rolls back from.
 */
export async function verifyKept(
  layered: ShardmoveConfig,
  options: { readonly dropOld: boolean; readonly events: EventSink },
): Promise<VerifiedKept> {
  await using _stateLock = options.dropOld
    ? await acquireMigrationLock(layered.stateDir, 'verify --drop-old')
    : undefined;
  const pending = await readJournal(layered.stateDir);
  if (pending && options.dropOld) {
    throw new ShardmoveError(
      `old's db${pending.partition} is not dropped: ${describePending(pending)}, and recover needs old's copy`,
      { hint: 'run `shardmove recover` first, then `shardmove verify --drop-old`' },
    );
  }
  if (pending) {
    options.events({
      type: 'warning',
      message: `${describePending(pending)}: \`shardmove recover\` finishes or rolls it back`,
    });
  }
  const { state, nodes, config } = await openKeptPartition(layered);
  const context = migrationContext(config, nodes, state.runId, options.events, state.handle);
  await using _partitionLock = options.dropOld
    ? await lockPartition(context, 'verify --drop-old')
    : undefined;
  const checks = await verifyMove(context);
  const passed = checks.every((c) => c.passed);
  const dropped = passed && options.dropOld ? await dropOld(context) : undefined;
  return { checks, passed, dropOld: dropped };
}
