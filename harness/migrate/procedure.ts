import { type BuiltinStepId, isSqlStep, type ProcedureStep } from '../config/config-types.ts';
import type { MigrationContext } from './migration-context.ts';
import { type Phase, undoPhases } from './phase-result.ts';
import { dropFdw } from './phases/drop-fdw.ts';
import { freeze } from './phases/freeze.ts';
import { barrier } from './phases/freeze-barrier.ts';
import { fillPoolPhase, heldSwitch, hold, holdLeftMillis } from './phases/held-switch.ts';
import {
  catchUpPhase,
  detach,
  openConnections,
  parityAtSwitch,
  switchWithSnapshot,
} from './phases/logical-catch-up.ts';
import { initialSync, prepareNewForLogical, publish, subscribe } from './phases/logical-replication.ts';
import { matviewsToTables } from './phases/matview-tables.ts';
import { parity } from './phases/parity.ts';
import { prepareNew } from './phases/prepare-new.ts';
import { readiness } from './phases/readiness.ts';
import { fdwCopy, seedPhase } from './phases/seed-sql.ts';
import { sqlStep } from './phases/sql-step.ts';
import { buildKeys, createTables, streamCopy } from './phases/stream-copy.ts';
import { switchToNew } from './phases/switch.ts';

/**
 * What each built-in step id runs. A procedure is data (a case's `migration.steps`); this
 * table is the only place a step id meets code, and the compiler holds it complete.
 */
const builtinPhases: Readonly<Record<BuiltinStepId, Phase<MigrationContext>>> = {
  'prepare-new': prepareNew,
  'pre-copy': seedPhase('pre-copy', '010'),
  freeze,
  'freeze-barrier': barrier,
  refresh: seedPhase('refresh', '020'),
  'fdw-copy': fdwCopy,
  'vacuum-analyze': seedPhase('vacuum analyze', '040'),
  'matviews-to-tables': matviewsToTables,
  'create-tables': createTables,
  'stream-copy': streamCopy,
  'primary-keys': buildKeys,
  parity,
  switch: switchToNew,
  'drop-fdw': dropFdw,
  'prepare-new-for-logical': prepareNewForLogical,
  publish,
  subscribe,
  'initial-sync': initialSync,
  'open-connections': openConnections,
  // Right before the freeze, so that only the writes of the last moments are left to apply in it.
  'warm-catch-up': catchUpPhase('warm catch-up', 'before-freeze'),
  'catch-up': catchUpPhase('catch-up', 'in-freeze'),
  'switch-with-snapshot': switchWithSnapshot,
  detach,
  'parity-at-switch': parityAtSwitch,
  'fill-pool': fillPoolPhase,
  hold,
  'held-switch': heldSwitch,
};

const heldCatchUp = catchUpPhase('catch-up', 'in-freeze', holdLeftMillis);

export function stepPhase(step: ProcedureStep): Phase<MigrationContext> {
  if (isSqlStep(step)) return sqlStep(step) as Phase<MigrationContext>;
  return step.deadline === 'hold' ? heldCatchUp : builtinPhases[step.phase];
}

/**
 * The phases a procedure runs: the readiness gate first, always (a rehearsal checks what a
 * move on a real target checks, and a no-go stops it before anything changed), then its steps.
 */
export function procedurePhases(steps: readonly ProcedureStep[]): Phase<MigrationContext>[] {
  return [readiness, ...steps.map(stepPhase)];
}

/**
 * What `recover` runs, not knowing how far the interrupted process got: the undo of every
 * step, latest first (each is safe when there is nothing to take back).
 */
export function rollbackPhases(steps: readonly ProcedureStep[]): Phase<MigrationContext>[] {
  return undoPhases(procedurePhases(steps));
}
