import { onNode } from '../db/node-session.ts';
import { runSqlFolder } from '../schema/sql-files.ts';
import { freeze } from './freeze.ts';
import type { MigrationContext } from './migration-context.ts';
import type { Phase } from './phase-result.ts';
import { barrier, copyLogs, dropFdw, parity, prepareNew, seedPhase, switchToNew } from './seed-strategy.ts';

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
  {
    name: 'matviews to tables',
    async run(context, evidence) {
      await onNode(context, 'new', context.database, (c) =>
        runSqlFolder(c, 'migrate-matview', { shard: context.partition }),
      );
      evidence.needed =
        'a local insert-select per matview, then rename; no superuser catalog edit, no network copy';
      await copyLogs(context, evidence);
    },
  },
  seedPhase('vacuum analyze', '040'),
  parity,
  switchToNew,
  dropFdw,
];
