import type { MigrationContext } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';
import { dropFdw } from '../phases/drop-fdw.ts';
import { freeze } from '../phases/freeze.ts';
import { barrier } from '../phases/freeze-barrier.ts';
import { parity } from '../phases/parity.ts';
import { prepareNew } from '../phases/prepare-new.ts';
import { fdwCopy, seedPhase } from '../phases/seed-sql.ts';
import { switchToNew } from '../phases/switch.ts';

/** The article's procedure (SPEC.md, part 4), with the freeze barrier, the switch to the new host, and the log policy. */
export const seedStrategyPhases: readonly Phase<MigrationContext>[] = [
  prepareNew,
  seedPhase('pre-copy', '010'),
  freeze,
  barrier,
  seedPhase('refresh', '020'),
  fdwCopy,
  seedPhase('vacuum analyze', '040'),
  parity,
  switchToNew,
  dropFdw,
];
