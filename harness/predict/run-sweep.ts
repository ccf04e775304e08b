import type { ShardmoveConfig } from '../config/config-types.ts';
import type { EventSink } from '../events.ts';
import { runScenario } from '../rehearsal/run-rehearsal.ts';
import type { BuildInfo } from '../report/build-info.ts';
import { type RunDocument, runDocument } from '../report/run-document.ts';
import { writeRunBundle } from '../report/write-run-bundle.ts';
import { profileSizes } from '../seed/seed-plan.ts';
import { cachedPoint, cachePoint, harnessCodeHash, pointKey } from './sweep-cache.ts';

export interface SweepPlan {
  /** One config per strategy, each validated at the edge. */
  readonly configs: readonly { readonly config: ShardmoveConfig; readonly scenario: string }[];
  /** Shares of the profile's moved shard, 0 < share <= 1. */
  readonly shares: readonly number[];
  readonly repeat: number;
  /** Where the bundles go: one directory, which predict and compare read as a set. */
  readonly root: string;
  /**
   * Where each point's result is kept as it finishes, and found again: a sweep that was
   * stopped (or ran out of time) resumes where it was, rerunning only the points whose
   * code, settings or host changed.
   */
  readonly cacheDir?: string | undefined;
  /** false: every point runs again (and replaces what the cache held). */
  readonly reuseCached?: boolean | undefined;
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

/** One point of the sweep, measured: a whole rehearsal and its document. */
export type MeasurePoint = (config: ShardmoveConfig, scenario: string) => Promise<RunDocument>;

function rehearsePoint(build: BuildInfo, events: EventSink): MeasurePoint {
  return async (config, scenario) =>
    runDocument(config, await runScenario(config, events), build, { scenario });
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
  onRun: (doc: RunDocument, dir: string, reused: boolean) => void,
  measure: MeasurePoint = rehearsePoint(build, events),
): Promise<RunDocument[]> {
  const docs: RunDocument[] = [];
  const total = plan.repeat * plan.shares.length * plan.configs.length;
  const codeHash = plan.cacheDir === undefined ? '' : await harnessCodeHash();
  for (let round = 0; round < plan.repeat; round++) {
    for (const share of plan.shares) {
      for (const { config, scenario } of plan.configs) {
        const sized = atShare(config, share);
        const percent = Math.round(share * 100);
        const what = `${config.migration.strategy} at ${percent}% of the ${config.seeding.profile} profile's moved shard`;
        const key = pointKey(codeHash, sized, percent, round);
        const cached =
          plan.cacheDir === undefined || plan.reuseCached === false
            ? undefined
            : await cachedPoint(plan.cacheDir, key);
        events({
          type: 'info',
          message: `sweep run ${docs.length + 1} of ${total}: ${what}${cached ? ` (reused: ${cached.runId}, measured with the same code and settings here)` : ''}`,
        });
        let doc = cached;
        if (!doc) {
          doc = await measure(sized, scenario);
          if (plan.cacheDir !== undefined) await cachePoint(plan.cacheDir, key, doc);
        }
        onRun(doc, await writeRunBundle(plan.root, doc), cached !== undefined);
        docs.push(doc);
      }
    }
  }
  return docs;
}
