import type { MigrationContext } from './migration-context.ts';

/**
 * The publication, the subscription and its slot carry the migration's token: a rollback or
 * a recover drops only what this migration made, never another one's (or a user's) objects.
 */
export function replicationName(context: Pick<MigrationContext, 'migrationId'>): string {
  return context.migrationId ? `shardmove_move_${context.migrationId}` : 'shardmove_move';
}
