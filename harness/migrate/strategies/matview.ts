import type { MigrationContext } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';
import { dropFdw } from '../phases/drop-fdw.ts';
import { freeze } from '../phases/freeze.ts';
import { barrier } from '../phases/freeze-barrier.ts';
import { matviewsToTables } from '../phases/matview-tables.ts';
import { parity } from '../phases/parity.ts';
import { prepareNew } from '../phases/prepare-new.ts';
import { seedPhase } from '../phases/seed-sql.ts';
import { switchToNew } from '../phases/switch.ts';

/**
 * The article's intended path: pre-copy into matviews while writes continue, refresh them
 * inside the freeze, then make them tables. Without editing the catalog (which the managed
 * service forbade and which is not a correct means anyway), the refreshed matviews are
 * copied locally into tables that take their names: no second copy over the network.
 */
export const matviewStrategyPhases: readonly Phase<MigrationContext>[] = [
  prepareNew,
  seedPhase('pre-copy', '010'),
  freeze,
  barrier,
  seedPhase('refresh', '020'),
  matviewsToTables,
  seedPhase('vacuum analyze', '040'),
  parity,
  switchToNew,
  dropFdw,
];
