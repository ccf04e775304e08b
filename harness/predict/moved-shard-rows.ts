import type { SeedConfig } from '../config/config-types.ts';
import { defaultConfig } from '../config/defaults.ts';
import { profileSizes, shardPlan, shardRows } from '../seed/seed-plan.ts';

interface RowsConfig {
  readonly seeding: Pick<SeedConfig, 'profile' | 'moved'>;
  readonly topology: { readonly partitions: number; readonly movePartition: number };
}

function isRowsConfig(config: unknown): config is RowsConfig {
  const c = config as Partial<RowsConfig> | undefined;
  return (
    typeof c?.seeding?.profile === 'string' &&
    typeof c.topology?.partitions === 'number' &&
    typeof c.topology.movePartition === 'number'
  );
}

/** Rows seeded on the moved shard (userinfo, session as many, tbl_small), read from a run's config, as seeding planned them. */
export function movedShardRows(config: unknown): number | undefined {
  if (!isRowsConfig(config)) return undefined;
  const { seeding, topology } = config;
  if (seeding.profile === 'none') return undefined;
  const base = profileSizes[seeding.profile].moved;
  return shardRows(shardPlan(topology.movePartition, topology.partitions, base, seeding.moved));
}

/** The moved shard's rows at a profile's size, on the seed's topology (db23 of 32). */
export function profileMovedShardRows(profile: Exclude<SeedConfig['profile'], 'none'>): number {
  const { movePartition, partitions } = defaultConfig.topology;
  return shardRows(shardPlan(movePartition, partitions, profileSizes[profile].moved, undefined));
}
