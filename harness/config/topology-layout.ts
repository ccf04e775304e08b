import type { BackendName, TopologyConfig } from './config-types.ts';

/**
 * The seed's layout, generalised to P partitions: P/2 instances, instance k hosting
 * db(k-1) and db(k-1+P/2); the first half of the instances form `old`. For P=32 that is
 * old = db0-7 + db16-23 and new = db8-15 + db24-31, and db23 is old's last shard.
 */
export function seedOldPartitions(partitions: number): number[] {
  const instances = partitions / 2;
  const oldInstances = instances / 2;
  const result: number[] = [];
  for (let k = 0; k < oldInstances; k++) result.push(k);
  for (let k = 0; k < oldInstances; k++) result.push(k + instances);
  return result;
}

export interface TopologyLayout {
  readonly partitions: number;
  readonly clusterName: string;
  readonly byBackend: Readonly<Record<BackendName, readonly number[]>>;
  backendOf(partition: number): BackendName;
}

export function topologyLayout(topology: TopologyConfig): TopologyLayout {
  const old = [...(topology.oldPartitions ?? seedOldPartitions(topology.partitions))].sort((a, b) => a - b);
  const oldSet = new Set(old);
  const all = Array.from({ length: topology.partitions }, (_, i) => i);
  const byBackend = { old, new: all.filter((p) => !oldSet.has(p)) };
  return {
    partitions: topology.partitions,
    clusterName: topology.clusterName,
    byBackend,
    backendOf: (partition) => (oldSet.has(partition) ? 'old' : 'new'),
  };
}

export function shardDatabase(partition: number): string {
  return `db${partition}`;
}

/** The shard's seeded tables: what a move copies and parity compares, whatever happens to the logs. */
export const seededTables = ['userinfo', 'session', 'tbl_small'] as const;
/** Every table of a shard: the seeded ones and login_log, which insert_log writes. */
export const shardTables = [...seededTables, 'login_log'] as const;
export type ShardTable = (typeof shardTables)[number];

/** The tables a move carries: login_log too unless the log policy leaves it on old (`migration.logs`). */
export function movedTables(logs: 'migrate' | 'leave'): ShardTable[] {
  return logs === 'migrate' ? [...shardTables] : [...seededTables];
}
