import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, errorMessage } from '../errors.ts';
import { schemaProblems } from '../util/schema-problems.ts';
import { predictionLines } from './format-prediction.ts';
import type { StrategyPrediction } from './predict-move.ts';
import { renderPredictionChart } from './prediction-chart.ts';
import { type PredictionDocument, predictionSchemaVersion } from './prediction-document.ts';

export const predictionFileName = 'prediction.json';

export interface WrittenPrediction {
  readonly json: string;
  readonly markdown: string;
  readonly chart: string;
}

/** <dir>/prediction.json, prediction.md (the tables predict prints) and freeze-window.png. */
export async function writePrediction(
  dir: string,
  doc: PredictionDocument,
  predictions: readonly StrategyPrediction[],
): Promise<WrittenPrediction> {
  await mkdir(dir, { recursive: true });
  const written = {
    json: join(dir, predictionFileName),
    markdown: join(dir, 'prediction.md'),
    chart: join(dir, 'freeze-window.png'),
  };
  await writeFile(written.json, `${JSON.stringify(doc, null, 2)}\n`);
  const cost = doc.environment.connectionMillis;
  const host = cost
    ? [
        `A new connection to a shard cost ${cost.median.toFixed(1)} ms on this host (median of ${cost.runs} runs).`,
        '',
      ]
    : [];
  await writeFile(
    written.markdown,
    `${['# Prediction', '', ...host, '![freeze window against rows](freeze-window.png)', '', ...predictions.flatMap((p) => [...predictionLines(p), ''])].join('\n')}`,
  );
  await writeFile(written.chart, await renderPredictionChart(doc));
  return written;
}

/**
 * The prediction a path names (a prediction.json) or its directory holds, read once and
 * checked against the schema of its version; undefined when it is no prediction (a run.json,
 * a run's bundle, a directory of runs).
 */
export async function readPredictionAt(path: string): Promise<PredictionDocument | undefined> {
  const named = path.endsWith('.json');
  const file = named ? path : join(path, predictionFileName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // A .json path that is not JSON is left to the run reader, which says so.
    if (named) return undefined;
    throw new ConfigError(`cannot read ${file} as JSON: ${errorMessage(error)}`);
  }
  // A .json path is a prediction only if it says so: run.json stays a run.
  if (named && (data as { kind?: unknown }).kind !== 'prediction') return undefined;
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (version !== predictionSchemaVersion)
    throw new ConfigError(
      `${file} has schemaVersion ${JSON.stringify(version)}; this shardmove reads predictions of version ${predictionSchemaVersion}`,
    );
  const problems = await schemaProblems(
    new URL(`./schema/prediction-v${predictionSchemaVersion}.schema.json`, import.meta.url),
    data,
  );
  if (problems.length)
    throw new ConfigError(`${file} does not match the prediction.json schema:\n  ${problems.join('\n  ')}`);
  return data as PredictionDocument;
}
