import { onNode } from '../../db/node-session.ts';
import { runSqlFolder } from '../../schema/sql-files.ts';
import type { MigrationContext } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';
import { copyLogs } from './seed-sql.ts';

/** Inside the freeze: the refreshed matviews become tables by a local copy, and login_log follows. */
export const matviewsToTables: Phase<MigrationContext, 'matviews to tables'> = {
  name: 'matviews to tables',
  async run(context, evidence) {
    await onNode(context, 'new', context.database, (c) =>
      runSqlFolder(c, 'migrate-matview', { shard: context.partition }),
    );
    evidence.needed =
      'a local insert-select per matview, then rename; no superuser catalog edit, no network copy';
    await copyLogs(context, evidence);
  },
};
