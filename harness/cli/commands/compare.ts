import { comparePredictions } from '../../compare/compare-predictions.ts';
import { compareRuns } from '../../compare/compare-runs.ts';
import { comparisonLines } from '../../compare/format-comparison.ts';
import { predictionComparisonLines } from '../../compare/format-prediction-comparison.ts';
import { readRunSet } from '../../compare/run-set.ts';
import { ConfigError } from '../../errors.ts';
import { readPredictionAt } from '../../predict/prediction-file.ts';
import type { Command } from '../command.ts';

export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare runs: metric deltas, exit 1 on a regression beyond the noise',
  usage: `shardmove compare BASELINE CANDIDATE [--tolerance R] [--markdown|--json]

Each side is a run directory, a run.json, or a directory of runs (what run --repeat N
writes). A side's value for a metric is the range over its runs; a metric regresses only
when every candidate run is worse than every baseline run by more than the tolerance.
A check that held in every baseline run and fails in a candidate run is a regression too.
Inconclusive runs (verdict inconclusive: the run could not measure what it claims) are
left out of both sides and listed. Exits 1 on a regression, 0 otherwise; 2 when no
baseline run is conclusive.

Each side may instead be a prediction (a prediction.json, or the sweep directory predict
wrote it to): both sides then are, made for the same target, and each strategy's metrics
and phases are compared there; a value regresses only when the candidate's whole 95%
interval is worse than the baseline's by more than the tolerance.

  --tolerance R            relative tolerance, 0..1 (default: the candidate scenario's
                           compare.tolerance, else 0.1)
  --markdown               print a Markdown table (for a CI job summary)
  --json                   print the comparison as JSON`,
  options: { tolerance: { type: 'string' }, markdown: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ values, positionals, out }) {
    if (positionals.length !== 2) throw new ConfigError('compare takes a baseline and a candidate');
    const [baselinePath = '', candidatePath = ''] = positionals;
    const predictions = [await readPredictionAt(baselinePath), await readPredictionAt(candidatePath)];
    if (predictions[0] && predictions[1]) {
      const c = comparePredictions(predictions[0], predictions[1], toleranceFlag(values.tolerance) ?? 0.1);
      if (values.json) out(JSON.stringify(c, null, 2));
      else for (const line of predictionComparisonLines(c, values.markdown ? 'markdown' : 'text')) out(line);
      return c.regressed ? 1 : 0;
    }
    if (predictions[0] || predictions[1])
      throw new ConfigError(
        `${predictions[0] ? baselinePath : candidatePath} is a prediction and the other side is not`,
        {
          hint: 'compare a prediction with a prediction (shardmove predict RUNS writes one), runs with runs',
        },
      );
    const baseline = await readRunSet(baselinePath);
    const candidate = await readRunSet(candidatePath);
    const config = candidate[0]?.config as { compare?: { tolerance?: unknown } } | undefined;
    const fromScenario = config?.compare?.tolerance;
    const tolerance =
      toleranceFlag(values.tolerance) ?? (typeof fromScenario === 'number' ? fromScenario : 0.1);
    const comparison = compareRuns(baseline, candidate, tolerance);
    if (comparison.excluded.baseline.length === baseline.length) {
      throw new ConfigError(
        `no conclusive run in the baseline ${baselinePath}: every run there is inconclusive`,
        {
          hint: 'compare against a baseline whose runs could judge (see each run’s validity reasons)',
        },
      );
    }
    if (values.json) out(JSON.stringify(comparison, null, 2));
    else for (const line of comparisonLines(comparison, values.markdown ? 'markdown' : 'text')) out(line);
    return comparison.regressed ? 1 : 0;
  },
};

function toleranceFlag(value: string | boolean | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const tolerance = Number(value);
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 1)
    throw new ConfigError(`--tolerance must be a number from 0 to 1, got ${value}`);
  return tolerance;
}
