import { join } from 'node:path';
import { migrationStrategies } from '../harness/config/config-types.ts';
import { loadConfig } from '../harness/config/load-config.ts';
import { ignoreEvents } from '../harness/events.ts';
import { predictionLines, sweepPointLine } from '../harness/predict/format-prediction.ts';
import { profileMovedShardRows } from '../harness/predict/moved-shard-rows.ts';
import { predictMove } from '../harness/predict/predict-move.ts';
import { predictionDocument } from '../harness/predict/prediction-document.ts';
import { writePrediction } from '../harness/predict/prediction-file.ts';
import { runSweep } from '../harness/predict/run-sweep.ts';
import { sweepPoints } from '../harness/predict/sweep-points.ts';
import { newRunId } from '../harness/provision/run-id.ts';
import { buildInfo } from '../harness/report/build-info.ts';

/**
 * Goals (issue 17): each strategy at three sizes of the moved shard up to the `default`
 * profile (--quick: up to the `ci` profile's, a tenth of it), fitted against rows; the
 * prediction for the article's shard (1M/1M/500k, also the `full` profile's moved shard)
 * beside the article's 166 s for seed; the logical freeze window flat within its interval.
 * Every run is a whole rehearsal: the figures hold for this host, whose connection cost, as
 * the runs measured it, is printed with them.
 */
export async function predictBench(options: { quick: boolean }): Promise<void> {
  const profile = options.quick ? 'ci' : 'default';
  const configs = [];
  for (const strategy of migrationStrategies) {
    const { config, scenario } = await loadConfig({
      flags: { seeding: { profile }, migration: { strategy } },
    });
    configs.push({ config, scenario: scenario.name });
  }
  const build = await buildInfo();
  const root = join('reports', newRunId().replace(/^sm-/, 'sweep-'));
  const docs = await runSweep(
    // Two rounds: with one run a size, a line through three points has one degree of freedom
    // left, and its 95% interval (t = 12.7) says nothing.
    // Resumable: an hour-long sweep stopped halfway reruns only what it had not finished.
    { configs, shares: [0.2, 0.6, 1], repeat: 2, root, cacheDir: join('reports', 'sweep-cache') },
    build,
    ignoreEvents,
    (doc, dir, reused) => console.log(sweepPointLine(doc, dir, reused)),
  );
  const predictions = sweepPoints(docs).map((sweep) => predictMove(sweep, profileMovedShardRows('default')));
  const prediction = predictionDocument(predictions, docs, build);
  const cost = prediction.environment.connectionMillis;
  console.log(
    `connection cost on this host, as the runs measured it: ${cost ? `${cost.median.toFixed(1)} ms (median of ${cost.runs})` : 'not measured'}`,
  );
  const trends = new Map<string, string>();
  for (const p of predictions) {
    for (const line of predictionLines(p)) console.log(line);
    trends.set(p.strategy, p.metrics.find((m) => m.metric === 'freeze_window_s')?.trend ?? 'unknown');
  }
  const written = await writePrediction(root, prediction, predictions);
  console.log(`written: ${written.json}, ${written.markdown}, ${written.chart}`);
  // Flat means something only where the same sweep could see growth: seed's freeze grows.
  const seed = trends.get('seed');
  const logical = trends.get('logical');
  console.log(
    `goal: logical's freeze window flat within its interval while seed's grows: ${logical === 'flat' && seed === 'grows' ? 'met' : `not met (logical ${logical}, seed ${seed})`}`,
  );
  console.log(`bundles: ${root} (shardmove predict ${root} reads them again)`);
}
