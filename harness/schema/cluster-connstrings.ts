import { formatConninfo, type TlsSettings, tlsConninfo } from '../config/dsn.ts';
import { shardDatabase } from '../config/topology-layout.ts';

/** Where a partition's connections go: a data node, or the pooler in front of them. */
export interface ConnstringTarget {
  readonly peerHost: string;
  readonly peerPort: number;
  readonly endpoint: { readonly user: string; readonly tls?: TlsSettings | undefined };
}

/**
 * The seed's partition connstring: host, port, dbname, user, TCP keepalives, and
 * application_name=N, which is how a data node knows its own shard number.
 */
export function partitionConnstring(
  partition: number,
  node: ConnstringTarget,
  extra: ReadonlyArray<readonly [string, string]> = [],
): string {
  return formatConninfo([
    ['host', node.peerHost],
    ['port', node.peerPort],
    ['dbname', shardDatabase(partition)],
    ['user', node.endpoint.user],
    ['keepalives_idle', 30],
    ['keepalives_interval', 10],
    ['keepalives_count', 10],
    ['application_name', partition],
    // PL/Proxy's libpq reaches the node as the harness does: TLS the same way, or none.
    ...tlsConninfo(node.endpoint),
    ...extra,
  ]);
}
