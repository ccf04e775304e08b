import type { MigrationContext } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';
import { dropFdw } from '../phases/drop-fdw.ts';
import { freeze } from '../phases/freeze.ts';
import { barrier } from '../phases/freeze-barrier.ts';
import { parity } from '../phases/parity.ts';
import { prepareNew } from '../phases/prepare-new.ts';
import { buildKeys, createTables, streamCopy } from '../phases/stream-copy.ts';
import { switchToNew } from '../phases/switch.ts';

/**
 * Like the article, but the copy inside the freeze streams each table with COPY (binary)
 * from old to new, all tables at once, and builds the primary keys afterwards, one
 * connection per table: no materialized views, no FDW insert-select.
 */
export const copyStrategyPhases: readonly Phase<MigrationContext>[] = [
  prepareNew,
  createTables,
  freeze,
  barrier,
  streamCopy,
  buildKeys,
  parity,
  switchToNew,
  dropFdw,
];
