import type { MigrationContext } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';
import { freeze } from '../phases/freeze.ts';
import { barrier } from '../phases/freeze-barrier.ts';
import {
  catchUpPhase,
  detach,
  openConnections,
  parityAtSwitch,
  switchWithSnapshot,
} from '../phases/logical-catch-up.ts';
import { initialSync, prepareNewForLogical, publish, subscribe } from '../phases/logical-replication.ts';

/**
 * Logical replication: new copies old's tables online and follows its changes while the
 * load goes on; the freeze lasts only for the barrier and the final catch-up (a marker row
 * written on old after the barrier arriving on new), then the switch. Parity compares old
 * with new as it was at the switch, after the freeze is over.
 */
export const logicalStrategyPhases: readonly Phase<MigrationContext>[] = [
  prepareNewForLogical,
  publish,
  subscribe,
  initialSync,
  openConnections,
  // Right before the freeze, so that only the writes of the last moments are left to apply in it.
  catchUpPhase('warm catch-up', 'before-freeze'),
  freeze,
  barrier,
  catchUpPhase('catch-up', 'in-freeze'),
  switchWithSnapshot,
  detach,
  parityAtSwitch,
];
