import type { SeedConfig, ShardmoveConfig } from '../config/config-types.ts';
import { topologyLayout } from '../config/topology-layout.ts';

/** The seed's key space: userids up to 32,000,000 (SPEC.md "Data volumes"). */
export const maxUserid = 32_000_000;

export interface TableSizes {
  /** userinfo rows; session gets one row per userinfo row. */
  userinfoRows: number;
  tblSmallRows: number;
}

/**
 * full: every shard at the seed's size (80M rows). default: the moved shard at full size,
 * the others small. ci: everything small enough for a CI gate. tiny: the smallest at which
 * every phase still has rows to move and the load still has time to land inside each
 * (the harness's own test suite, a smoke run of a case).
 */
export const profileSizes: Readonly<
  Record<Exclude<SeedConfig['profile'], 'none'>, { moved: TableSizes; others: TableSizes }>
> = {
  full: {
    moved: { userinfoRows: 1_000_000, tblSmallRows: 500_000 },
    others: { userinfoRows: 1_000_000, tblSmallRows: 500_000 },
  },
  default: {
    moved: { userinfoRows: 1_000_000, tblSmallRows: 500_000 },
    others: { userinfoRows: 100_000, tblSmallRows: 50_000 },
  },
  ci: {
    moved: { userinfoRows: 100_000, tblSmallRows: 50_000 },
    others: { userinfoRows: 10_000, tblSmallRows: 5_000 },
  },
  tiny: {
    moved: { userinfoRows: 20_000, tblSmallRows: 10_000 },
    others: { userinfoRows: 1_000, tblSmallRows: 500 },
  },
};

/** Shard N holds userids N, N+partitions, ... up to maxUserid: 1,000,000 for N=23, 1,000,001 for N=0. */
export function fullUserinfoRows(shard: number, partitions: number): number {
  return Math.floor((maxUserid - shard) / partitions) + 1;
}

export interface ShardPlan {
  readonly shard: number;
  readonly userinfoRows: number;
  readonly tblSmallRows: number;
}

export function shardRows(plan: ShardPlan): number {
  return plan.userinfoRows * 2 + plan.tblSmallRows;
}

/**
 * One shard's rows: the profile's sizes under the config's overrides. A full-size userinfo
 * follows the seed's layout to the last key (so db0 gets its extra row for userid
 * 32,000,000); smaller sizes take the first keys of it.
 */
export function shardPlan(
  shard: number,
  partitions: number,
  base: TableSizes,
  over: SeedConfig['moved'],
): ShardPlan {
  const full = fullUserinfoRows(shard, partitions);
  const requested = over?.userinfoRows ?? base.userinfoRows;
  return {
    shard,
    userinfoRows: requested >= 1_000_000 ? full : Math.min(requested, full),
    tblSmallRows: over?.tblSmallRows ?? base.tblSmallRows,
  };
}

/** Rows per shard (see shardPlan). */
export function seedPlan(config: ShardmoveConfig): ShardPlan[] {
  const { seeding, topology } = config;
  if (seeding.profile === 'none') return [];
  const profile = profileSizes[seeding.profile];
  const layout = topologyLayout(topology);
  return Array.from({ length: layout.partitions }, (_, shard) => {
    const moved = shard === topology.movePartition;
    return shardPlan(
      shard,
      layout.partitions,
      moved ? profile.moved : profile.others,
      moved ? seeding.moved : seeding.others,
    );
  });
}
