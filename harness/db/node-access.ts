import type { NodeRole } from '../config/config-types.ts';
import type { Endpoint } from '../config/dsn.ts';

/** One PostgreSQL node as the harness reaches it, and as its peers (the proxy, new) reach it. */
export interface NodeAccess {
  readonly role: NodeRole;
  /** From the harness: loopback for local and containers. Database = maintenance database. */
  readonly endpoint: Endpoint;
  /** From the other nodes: a network alias for containers, loopback for local. */
  readonly peerHost: string;
  readonly peerPort: number;
  /** The proxy's only: the pgbouncer PL/Proxy goes through, on a pooled topology. */
  readonly pooler?: PoolerAccess | undefined;
}

/** A pgbouncer on the proxy's host, in front of every shard database (topology.pooler). */
export interface PoolerAccess {
  /** Its admin console from the harness (database `pgbouncer`, the topology's role). */
  readonly endpoint: Endpoint;
  /** From the proxy: where the partitions' connstrings point. */
  readonly peerHost: string;
  readonly peerPort: number;
  readonly version: string;
}

/** What `down` needs, in another process, to remove what `start` created. Serialisable. */
export type NodesHandle =
  | { readonly provider: 'local'; readonly runId: string; readonly baseDir: string }
  | { readonly provider: 'containers'; readonly runId: string }
  | { readonly provider: 'external'; readonly runId: string };
