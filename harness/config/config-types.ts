export const providerNames = ['auto', 'containers', 'local', 'external'] as const;
export type ProviderChoice = (typeof providerNames)[number];
export type ProviderName = Exclude<ProviderChoice, 'auto'>;

export type BackendName = 'old' | 'new';
export type NodeRole = 'proxy' | BackendName;
export const nodeRoles: readonly NodeRole[] = ['proxy', 'old', 'new'];

export type ServerSettings = Record<string, string | number | boolean>;

export interface TopologyConfig {
  /** Number of shard databases and PL/Proxy partitions; a power of two. */
  partitions: number;
  /** Partitions hosted by the `old` cluster; the rest live on `new`. Default: the seed's split. */
  oldPartitions: number[] | undefined;
  /** The partition the migration moves from `old` to `new`. */
  movePartition: number;
  clusterName: string;
  proxyDatabase: string;
  /** The role every connection uses, as the seed's `digoal`. */
  role: string;
  connectionLifetimeSeconds: number;
}

export interface ExternalTargets {
  proxy: string;
  old: string;
  new: string;
}

export const containerNetworks = ['pod', 'bridge'] as const;
export type ContainerNetwork = (typeof containerNetworks)[number];

export interface ShardmoveConfig {
  provider: ProviderChoice;
  /**
   * pod: the three containers share one network namespace (the proxy's), reached by their
   * aliases on distinct ports, so proxy-to-backend traffic stays on loopback as in the
   * local provider. bridge: one address per container, traffic over the Docker bridge.
   */
  containers: { network: ContainerNetwork };
  topology: TopologyConfig;
  /** Non-default server settings, per node kind, on top of those the topology needs. */
  server: { proxy: ServerSettings; backend: ServerSettings };
  load: { clients: number };
  external: ExternalTargets | undefined;
  allowDestructive: boolean;
  /** Where `up --keep` writes the state file and the pgpass file. */
  stateDir: string;
  connectTimeoutMillis: number;
  startupTimeoutSeconds: number;
}
