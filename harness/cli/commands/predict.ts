import { join } from 'node:path';
import { readRunSet } from '../../compare/run-set.ts';
import { ConfigError } from '../../errors.ts';
import { predictionLines, sweepPointLine } from '../../predict/format-prediction.ts';
import { profileMovedShardRows } from '../../predict/moved-shard-rows.ts';
import { predictMove } from '../../predict/predict-move.ts';
import { predictionDocument } from '../../predict/prediction-document.ts';
import { writePrediction } from '../../predict/prediction-file.ts';
import { runSweep } from '../../predict/run-sweep.ts';
import { sweepPoints } from '../../predict/sweep-points.ts';
import { newRunId } from '../../provision/run-id.ts';
import { buildInfo } from '../../report/build-info.ts';
import type { RunDocument } from '../../report/run-document.ts';
import { type Command, configOptions, configOptionsHelp, seedOptions, seedOptionsHelp } from '../command.ts';
import { configFromFlags } from '../config-from-flags.ts';
import { strategyList, wholeNumberFlag } from '../flag-values.ts';

function targetRows(values: Record<string, string | boolean | undefined>): number {
  if (typeof values['target-rows'] === 'string') {
    const rows = Number(values['target-rows']);
    if (!Number.isInteger(rows) || rows <= 0)
      throw new ConfigError(`--target-rows must be a positive whole number, got ${values['target-rows']}`);
    return rows;
  }
  const profile = typeof values['target-profile'] === 'string' ? values['target-profile'] : 'default';
  if (profile !== 'full' && profile !== 'default' && profile !== 'ci')
    throw new ConfigError(`--target-profile must be full, default or ci, got ${profile}`);
  return profileMovedShardRows(profile);
}

/** --sizes 10%,30%,100%: shares of the profile's moved shard. */
function sharesFlag(value: string): number[] {
  return value.split(',').map((part) => {
    const m = /^(\d+(?:\.\d+)?)%$/.exec(part.trim());
    const share = m ? Number(m[1]) / 100 : Number.NaN;
    if (!(share > 0 && share <= 1))
      throw new ConfigError(`--sizes takes shares of the profile's moved shard from 1% to 100%, got ${part}`);
    return share;
  });
}

export const predictCommand: Command = {
  name: 'predict',
  summary: "predict a move's freeze and phases at a shard size, from runs at other sizes",
  usage: `shardmove predict [RUNS...] [--sizes 10%,30%,100% [--strategy S[,S...]] [--repeat N]]
                 [--target-rows N | --target-profile full|default|ci] [--json] [options]

With --sizes, first runs the sweep: the scenario (each --strategy given) with the moved
shard at each share of the --profile's moved shard, --repeat rounds (default 1), each a
whole rehearsal with its own verdict, bundles in one directory under --reports (default
reports), then predicts from those runs and any RUNS given. RUNS are run directories,
run.json files or directories of runs (what run --repeat N and a sweep write), of one or
more strategies at several sizes of the moved shard (--moved-userinfo-rows and
--moved-tbl-small-rows of run, or seeding.moved in a --config file). Per strategy, the
freeze window, the freeze phases, the migration time, the others' lowest share and each
phase's seconds are fitted against the moved shard's rows (userinfo + session +
tbl_small) by least squares, with 95% intervals from the spread of the runs, and read at
the target: the moved shard of the default and full profiles, the article's 1M/1M/500k
(2.5M rows), unless --target-rows says otherwise. A target past
the largest size measured is flagged as an extrapolation. Inconclusive runs and moves that
did not complete are left out and listed. Prints the tables and writes prediction.json
(what compare reads: two predictions, side by side at their target), prediction.md and
freeze-window.png (each strategy's runs, fitted line and prediction). Exits 2 when no run
can be used.

  --target-rows N          rows on the moved shard to predict for
  --target-profile P       full, default (the same moved shard: 2.5M rows) or ci (250k)
  --json                   print the prediction document as JSON
  --out DIR                where prediction.json, prediction.md and freeze-window.png go
                           (default: the sweep's directory, else a new prediction-* under
                           --reports)
  --sizes LIST             run the sweep at these shares of the profile's moved shard
  --strategy S[,S...]      the strategies to sweep (default: the scenario's)
  --repeat N               rounds of the sweep (default 1; more where the runs are noisy)
  --reports DIR            where the sweep's bundles go (default: reports)
  --fresh                  run every point of the sweep again; by default a point measured
                           before on this host with the same code and settings is reused
                           from DIR/sweep-cache (one file per size, strategy and round), so
                           a stopped sweep resumes where it was
${configOptionsHelp}
${seedOptionsHelp}`,
  options: {
    ...configOptions,
    ...seedOptions,
    'target-rows': { type: 'string' },
    'target-profile': { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
    sizes: { type: 'string' },
    strategy: { type: 'string' },
    repeat: { type: 'string' },
    reports: { type: 'string' },
    fresh: { type: 'boolean' },
  },
  async run({ values, positionals, reporter, out }) {
    const target = targetRows(values);
    const docs: RunDocument[] = [];
    for (const path of positionals) docs.push(...(await readRunSet(path)));
    let dir = typeof values.out === 'string' ? values.out : undefined;
    if (typeof values.sizes === 'string') {
      const swept = await sweep(values, reporter.sink, out);
      docs.push(...swept.docs);
      dir ??= swept.root;
    } else if (positionals.length === 0)
      throw new ConfigError('predict takes run directories, or --sizes to run a sweep first');
    const predictions = sweepPoints(docs).map((sweep) => predictMove(sweep, target));
    if (predictions.every((p) => p.runs === 0)) {
      for (const p of predictions) for (const s of p.skipped) out(`left out: ${s.runId}: ${s.why}`);
      throw new ConfigError(
        'no run can be used: each is inconclusive, unseeded or did not complete its move',
      );
    }
    const doc = predictionDocument(predictions, docs, await buildInfo());
    dir ??= join(reportsRoot(values), newRunId().replace(/^sm-/, 'prediction-'));
    const written = await writePrediction(dir, doc, predictions);
    if (values.json) {
      out(JSON.stringify(doc, null, 2));
    } else {
      for (const p of predictions) for (const line of predictionLines(p)) out(line);
      out('');
      out(`written: ${written.json} (shardmove compare reads it), ${written.markdown}, ${written.chart}`);
    }
    return 0;
  },
};

function reportsRoot(values: Record<string, string | boolean | undefined>): string {
  return typeof values.reports === 'string' ? values.reports : 'reports';
}

/** Runs the sweep the flags ask for; every flag is checked before the first run starts. */
async function sweep(
  values: Record<string, string | boolean | undefined>,
  events: Parameters<typeof runSweep>[2],
  out: (text: string) => void,
): Promise<{ docs: RunDocument[]; root: string }> {
  const shares = sharesFlag(String(values.sizes));
  const repeat = wholeNumberFlag(values.repeat, '--repeat', 1, 20) ?? 1;
  const configs = [];
  for (const strategy of strategyList(values.strategy) ?? [undefined]) {
    const { config, scenario } = await configFromFlags({ ...values, strategy });
    if (config.seeding.profile === 'none')
      throw new ConfigError('a sweep needs seeded data: --profile ci, default or full');
    configs.push({ config, scenario: scenario.name });
  }
  const root = join(reportsRoot(values), newRunId().replace(/^sm-/, 'sweep-'));
  const plan = {
    configs,
    shares,
    repeat,
    root,
    cacheDir: join(reportsRoot(values), 'sweep-cache'),
    reuseCached: values.fresh !== true,
  };
  const docs = await runSweep(plan, await buildInfo(), events, (doc, dir, reused) =>
    out(sweepPointLine(doc, dir, reused)),
  );
  return { docs, root };
}
