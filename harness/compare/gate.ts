import { ConfigError } from '../errors.ts';
import type { RunDocument } from '../report/run-document.ts';
import { type Comparison, compareRuns } from './compare-runs.ts';
import { readRunSet } from './run-set.ts';

/** What a baseline was made of: a gate compares like with like. */
interface BaselineKey {
  readonly scenario: string | undefined;
  readonly profile: unknown;
  readonly provider: string;
}

const keyOf = (doc: RunDocument): BaselineKey => ({
  scenario: doc.scenario,
  profile: (doc.config as { seeding?: { profile?: unknown } }).seeding?.profile,
  provider: doc.provider,
});

const describeKey = (k: BaselineKey) =>
  `case ${k.scenario ?? '?'}, profile ${String(k.profile)}, provider ${k.provider}`;

/**
 * A committed baseline (a run.json, a bundle, or a directory of them: `run --repeat N`),
 * read and checked before anything is provisioned: it must hold a conclusive run, all of
 * one case, profile and provider.
 */
export async function readBaseline(path: string): Promise<RunDocument[]> {
  const runs = await readRunSet(path);
  const judged = runs.filter((d) => d.verdict !== 'inconclusive');
  if (judged.length === 0)
    throw new ConfigError(`the baseline ${path} holds no conclusive run`, {
      hint: 'make it again with the command its README gives; an inconclusive run judges nothing',
    });
  const keys = new Set(runs.map((d) => describeKey(keyOf(d))));
  if (keys.size > 1) throw new ConfigError(`the baseline ${path} mixes runs of ${[...keys].join(' and ')}`);
  return runs;
}

export interface GateResult {
  readonly comparison: Comparison;
  /** Why the candidate cannot be judged against this baseline, when it cannot. */
  readonly mismatch: string | undefined;
}

/**
 * The candidate runs against the baseline with compare's noise-aware judgement: a metric
 * regresses only when every candidate run is worse than every baseline run by more than the
 * tolerance, a check that held in every baseline run regresses when a candidate run fails it.
 */
export function gate(
  baseline: readonly RunDocument[],
  candidate: readonly RunDocument[],
  tolerance: number,
): GateResult {
  const want = baseline[0] ? describeKey(keyOf(baseline[0])) : undefined;
  const got = candidate[0] ? describeKey(keyOf(candidate[0])) : undefined;
  return {
    comparison: compareRuns(baseline, candidate, tolerance),
    mismatch: want !== got ? `the baseline is of ${want}, this run of ${got}` : undefined,
  };
}
