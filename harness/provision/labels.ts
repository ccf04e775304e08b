/** Labels on every container and network shardmove creates, so `down --all` can find them. */
export const managedLabel = 'dev.shardmove.managed';
export const runIdLabel = 'dev.shardmove.run-id';
export const roleLabel = 'dev.shardmove.role';
export const namespaceLabel = 'dev.shardmove.namespace';

/**
 * SHARDMOVE_NAMESPACE: runs started under it carry it, and `down --all` under it sweeps only
 * them, so that two pipelines (or two test workers) on one machine do not stop each other's.
 * Unset, `down --all` sweeps everything shardmove labelled, namespaced or not.
 */
export function currentNamespace(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const namespace = env.SHARDMOVE_NAMESPACE?.trim();
  if (!namespace) return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(namespace)) {
    throw new Error(
      `SHARDMOVE_NAMESPACE must be letters, digits, '.', '_' or '-' (at most 63), got ${JSON.stringify(namespace)}`,
    );
  }
  return namespace;
}

export function labelsFor(runId: string, role?: string): Record<string, string> {
  const namespace = currentNamespace();
  return {
    [managedLabel]: 'true',
    [runIdLabel]: runId,
    ...(role ? { [roleLabel]: role } : {}),
    ...(namespace ? { [namespaceLabel]: namespace } : {}),
  };
}

/** Local data directories live under <tmp>/shardmove-<run-id>; the prefix is the local label. */
export const localDirPrefix = 'shardmove-sm-';
export const localMarkerFile = '.shardmove-run';
