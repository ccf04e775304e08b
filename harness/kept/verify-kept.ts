import type { ShardmoveConfig } from '../config/config-types.ts';
import type { EventSink } from '../events.ts';
import { migrationContext } from '../migrate/migration-context.ts';
import type { PhaseResult } from '../migrate/phase-result.ts';
import { dropOld } from '../migrate/run-migration.ts';
import { openKeptTopology } from '../topology/kept-topology.ts';
import { type MoveCheck, verifyMove } from '../verify/verify-move.ts';

export interface VerifiedKept {
  readonly checks: MoveCheck[];
  readonly passed: boolean;
  /** The old copy's drop, when asked for and every check held. */
  readonly dropOld: PhaseResult | undefined;
}

/** Checks a partition `migrate` moved on the kept topology; drops old's copy only when asked and every check held. */
export async function verifyKept(
  layered: ShardmoveConfig,
  options: { readonly dropOld: boolean; readonly events: EventSink },
): Promise<VerifiedKept> {
  const { state, nodes } = await openKeptTopology(layered.stateDir);
  const config = {
    ...layered,
    topology: { ...state.topology, movePartition: layered.topology.movePartition },
  };
  const context = migrationContext(config, nodes, state.runId, options.events, state.handle);
  const checks = await verifyMove(context);
  const passed = checks.every((c) => c.passed);
  const dropped = passed && options.dropOld ? await dropOld(context) : undefined;
  return { checks, passed, dropOld: dropped };
}
