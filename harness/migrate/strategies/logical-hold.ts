import type { MigrationContext } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';
import { freeze } from '../phases/freeze.ts';
import { barrier } from '../phases/freeze-barrier.ts';
import { fillPoolPhase, heldSwitch, hold, holdLeftMillis } from '../phases/held-switch.ts';
import { catchUpPhase, detach, openConnections, parityAtSwitch } from '../phases/logical-catch-up.ts';
import { initialSync, prepareNewForLogical, publish, subscribe } from '../phases/logical-replication.ts';

/**
 * Logical replication with a held switch (`migration.switch: hold`, pooled): the pooler
 * holds the partition's calls (PAUSE) instead of old rejecting them; inside the hold old is
 * fenced by the freeze triggers (nothing should reach it, and nothing that did would be
 * lost), new catches up, the pooler is pointed at new, and the calls go on there. A hold
 * that has not caught up by its deadline fails the catch-up: the rollback resumes on old.
 */
export const logicalHoldStrategyPhases: readonly Phase<MigrationContext>[] = [
  prepareNewForLogical,
  publish,
  subscribe,
  initialSync,
  openConnections,
  fillPoolPhase,
  catchUpPhase('warm catch-up', 'before-freeze'),
  hold,
  freeze,
  barrier,
  catchUpPhase('catch-up', 'in-freeze', holdLeftMillis),
  heldSwitch,
  detach,
  parityAtSwitch,
];
