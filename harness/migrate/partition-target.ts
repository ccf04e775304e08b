import type pg from 'pg';
import type { NodeAccess } from '../provision/provider.ts';
import { partitionConnstring } from '../schema/cluster-connstrings.ts';
import { type MigrationContext, onNode } from './migration-context.ts';

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

/**
 * Where the proxy's cluster sends the context's partition now, read from its connstring:
 * the node whose peer address it names, and whether it is frozen read-only.
 */
export async function partitionHome(
  context: MigrationContext,
): Promise<{ home: 'old' | 'new' | 'elsewhere'; readOnly: boolean; connstring: string }> {
  const { config, partition, nodes } = context;
  const { rows } = await onNode(context, 'proxy', config.topology.proxyDatabase, (proxy) =>
    proxy.query<{ o: string }>(
      `select o from pg_foreign_server, unnest(srvoptions) o where srvname = $1 and o like $2`,
      [config.topology.clusterName, `p${partition}=%`],
    ),
  );
  const connstring = rows[0]?.o.slice(`p${partition}=`.length) ?? '';
  const field = (name: string) => new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(connstring)?.[1];
  const at = (n: NodeAccess) => field('host') === n.peerHost && field('port') === String(n.peerPort);
  return {
    home: at(nodes.old) ? 'old' : at(nodes.new) ? 'new' : 'elsewhere',
    readOnly: connstring.includes(readOnlyOption[1]),
    connstring,
  };
}
