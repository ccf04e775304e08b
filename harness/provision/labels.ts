/** Labels on every container and network shardmove creates, so `down --all` can find them. */
export const managedLabel = 'dev.shardmove.managed';
export const runIdLabel = 'dev.shardmove.run-id';
export const roleLabel = 'dev.shardmove.role';

export function labelsFor(runId: string, role?: string): Record<string, string> {
  return { [managedLabel]: 'true', [runIdLabel]: runId, ...(role ? { [roleLabel]: role } : {}) };
}

/** Local data directories live under <tmp>/shardmove-<run-id>; the prefix is the local label. */
export const localDirPrefix = 'shardmove-sm-';
export const localMarkerFile = '.shardmove-run';
