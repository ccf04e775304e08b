import type pg from 'pg';
import type { NodeAccess } from '../provision/provider.ts';
import { partitionConnstring } from '../schema/cluster-connstrings.ts';

export const readOnlyOption = ['options', '-c default_transaction_read_only=true'] as const;

/**
 * Points partition N of the PL/Proxy cluster at a node, optionally frozen read-only: the
 * seed's `ALTER SERVER ... OPTIONS (SET pN '<connstring>')`. Each proxy backend picks the
 * change up on its next call to the cluster.
 */
export async function setPartitionTarget(
  proxy: pg.Client,
  clusterName: string,
  partition: number,
  node: NodeAccess,
  readOnly: boolean,
): Promise<string> {
  const connstring = partitionConnstring(partition, node, readOnly ? [readOnlyOption] : []);
  await proxy.query(
    `alter server ${proxy.escapeIdentifier(clusterName)} options (set ${proxy.escapeIdentifier(`p${partition}`)} ${proxy.escapeLiteral(connstring)})`,
  );
  return connstring;
}
