import { onNode } from '../../db/node-session.ts';
import { runSqlFolder } from '../../schema/sql-files.ts';
import type { MigrationContext } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';

/**
 * After the switch new's copy no longer reads old: the foreign server and the user mapping
 * that holds old's password go, so the password does not stay in new's catalog.
 */
export const dropFdw: Phase<MigrationContext, 'drop fdw'> = {
  name: 'drop fdw',
  async run(context, evidence) {
    await onNode(context, 'new', context.database, (c) => runSqlFolder(c, 'migrate-cleanup', {}));
    evidence.dropped = 'shardmove_old: foreign tables, user mapping, server';
  },
};
