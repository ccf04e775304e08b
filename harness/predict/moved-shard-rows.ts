import type { SeedConfig } from '../config/config-types.ts';
import { fullUserinfoRows, profileSizes, type TableSizes } from '../seed/seed-plan.ts';

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

/** The sizes a profile (and its overrides) gives the moved shard; undefined for `none`. */
export function movedShardSizes(
  seeding: RowsConfig['seeding'],
  partitions: number,
  shard: number,
): TableSizes | undefined {
  if (seeding.profile === 'none') return undefined;
  const base = profileSizes[seeding.profile].moved;
  const requested = seeding.moved?.userinfoRows ?? base.userinfoRows;
  const full = fullUserinfoRows(shard, partitions);
  return {
    // As seed-plan: a full-size request follows the seed's layout to its last key.
    userinfoRows: requested >= 1_000_000 ? full : Math.min(requested, full),
    tblSmallRows: seeding.moved?.tblSmallRows ?? base.tblSmallRows,
  };
}

/** Rows seeded on the moved shard (userinfo, session as many, tbl_small), read from a run's config. */
export function movedShardRows(config: unknown): number | undefined {
  if (!isRowsConfig(config)) return undefined;
  const sizes = movedShardSizes(config.seeding, config.topology.partitions, config.topology.movePartition);
  return sizes && sizes.userinfoRows * 2 + sizes.tblSmallRows;
}
