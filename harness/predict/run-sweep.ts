import type { ShardmoveConfig } from '../config/config-types.ts';
import type { EventSink } from '../events.ts';
import { runScenario } from '../rehearsal/run-rehearsal.ts';
import type { BuildInfo } from '../report/build-info.ts';
import { type RunDocument, runDocument } from '../report/run-document.ts';
import { writeRunBundle } from '../report/write-run-bundle.ts';
import { profileSizes } from '../seed/seed-plan.ts';

export interface SweepPlan {
  /** One config per strategy, each validated at the edge. */
  readonly configs: readonly { readonly config: ShardmoveConfig; readonly scenario: string }[];
  /** Shares of the profile's moved shard, 0 < share <= 1. */
  readonly shares: readonly number[];
  readonly repeat: number;
  /** Where the bundles go: one directory, which predict and compare read as a set. */
  readonly root: string;
}

/** The config with the moved shard at a share of its profile's size (userinfo, session and tbl_small alike). */
export function atShare(config: ShardmoveConfig, share: number): ShardmoveConfig {
  const profile = config.seeding.profile;
  if (profile === 'none') return config;
  const base = profileSizes[profile].moved;
  return {
    ...config,
    seeding: {
      ...config.seeding,
      moved: {
        userinfoRows: Math.max(1, Math.round(base.userinfoRows * share)),
        tblSmallRows: Math.max(1, Math.round(base.tblSmallRows * share)),
      },
    },
  };
}

/**
 * Every strategy at every size, `repeat` rounds, each a whole rehearsal with its own verdict
 * and bundle. Rounds go through the sizes and strategies in turn, not one size after the
 * other, so that a drift of the host over the sweep spreads over every point instead of
 * bending the line.
 */
export async function runSweep(
  plan: SweepPlan,
  build: BuildInfo,
  events: EventSink,
  onRun: (doc: RunDocument, dir: string) => void,
): Promise<RunDocument[]> {
  const docs: RunDocument[] = [];
  const total = plan.repeat * plan.shares.length * plan.configs.length;
  for (let round = 0; round < plan.repeat; round++) {
    for (const share of plan.shares) {
      for (const { config, scenario } of plan.configs) {
        const sized = atShare(config, share);
        events({
          type: 'info',
          message: `sweep run ${docs.length + 1} of ${total}: ${config.migration.strategy} at ${Math.round(share * 100)}% of the ${config.seeding.profile} profile's moved shard`,
        });
        const result = await runScenario(sized, events);
        const doc = runDocument(sized, result, build, { scenario });
        onRun(doc, await writeRunBundle(plan.root, doc));
        docs.push(doc);
      }
    }
  }
  return docs;
}
