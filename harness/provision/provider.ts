import type { NodeRole, ProviderName, ShardmoveConfig } from '../config/config-types.ts';
import type { Endpoint } from '../config/dsn.ts';
import type { EventSink } from '../events.ts';

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

export interface StartedNodes extends AsyncDisposable {
  readonly provider: ProviderName;
  readonly runId: string;
  readonly nodes: Readonly<Record<NodeRole, NodeAccess>>;
  readonly handle: NodesHandle;
  /** Facts for the report: image id, PostgreSQL binaries, and the like. */
  readonly facts: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export interface StartRequest {
  readonly config: ShardmoveConfig;
  readonly runId: string;
  readonly events: EventSink;
}

export interface PreflightResult {
  readonly ok: boolean;
  /** What is there and what is missing, one line each. */
  readonly findings: readonly string[];
  /** The one command that installs what is missing, when something is. */
  readonly fix?: string;
}

/** The port every provider satisfies: local processes, containers, or existing hosts. */
export interface Provider {
  readonly name: ProviderName;
  preflight(config: ShardmoveConfig): Promise<PreflightResult>;
  start(request: StartRequest): Promise<StartedNodes>;
}
