import { readRunSet } from '../../compare/run-set.ts';
import { ConfigError } from '../../errors.ts';
import { predictionLines } from '../../predict/format-prediction.ts';
import { movedShardSizes } from '../../predict/moved-shard-rows.ts';
import { predictMove } from '../../predict/predict-move.ts';
import { sweepPoints } from '../../predict/sweep-points.ts';
import type { RunDocument } from '../../report/run-document.ts';
import type { Command } from '../command.ts';

/** The article's freeze for its 1M/1M/500k shard (SPEC.md), printed beside the seed strategy's prediction. */
const articleFreezeSeconds = 166;

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
  const sizes = movedShardSizes({ profile, moved: undefined }, 32, 23);
  return sizes ? sizes.userinfoRows * 2 + sizes.tblSmallRows : 0;
}

export const predictCommand: Command = {
  name: 'predict',
  summary: "predict a move's freeze and phases at a shard size, from runs at other sizes",
  usage: `shardmove predict RUNS... [--target-rows N | --target-profile full|default|ci] [--json]

RUNS are run directories, run.json files or directories of runs (what run --repeat N
writes), of one or more strategies at several sizes of the moved shard (seeding.moved in
a --config file). Per strategy, the freeze window, the freeze phases, the migration time,
the others' lowest share and each phase's seconds are fitted against the moved shard's
rows (userinfo + session + tbl_small) by least squares, with 95% intervals from the spread
of the runs, and read at the target: the moved shard of the default and full profiles,
the article's 1M/1M/500k (2.5M rows), unless --target-rows says otherwise. A target past
the largest size measured is flagged as an extrapolation. Inconclusive runs and moves that
did not complete are left out and listed. Exits 2 when no run can be used.

  --target-rows N          rows on the moved shard to predict for
  --target-profile P       full, default (the same moved shard: 2.5M rows) or ci (250k)
  --json                   print the predictions as JSON`,
  options: {
    'target-rows': { type: 'string' },
    'target-profile': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals, out }) {
    if (positionals.length === 0) throw new ConfigError('predict takes one or more run directories');
    const target = targetRows(values);
    const docs: RunDocument[] = [];
    for (const path of positionals) docs.push(...(await readRunSet(path)));
    const predictions = sweepPoints(docs).map((sweep) => predictMove(sweep, target));
    if (predictions.every((p) => p.runs === 0)) {
      for (const p of predictions) for (const s of p.skipped) out(`left out: ${s.runId}: ${s.why}`);
      throw new ConfigError(
        'no run can be used: each is inconclusive, unseeded or did not complete its move',
      );
    }
    if (values.json) {
      out(
        JSON.stringify(
          predictions.map((p) => ({
            ...p,
            metrics: p.metrics.map(({ fit, ...m }) => ({ ...m, ...plainFit(fit) })),
            phases: p.phases.map(({ fit, ...m }) => ({ ...m, ...plainFit(fit) })),
          })),
          null,
          2,
        ),
      );
    } else {
      for (const p of predictions)
        for (const line of predictionLines(p, p.strategy === 'seed' ? articleFreezeSeconds : undefined))
          out(line);
    }
    return 0;
  },
};

function plainFit(fit: ReturnType<typeof predictMove>['metrics'][number]['fit']) {
  if (!fit) return {};
  const { at: _at, ...plain } = fit;
  return { fit: plain };
}
