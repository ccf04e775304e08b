import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, errorMessage } from '../errors.ts';
import { schemaProblems } from '../util/schema-problems.ts';
import { outcomes } from '../verify/verdict.ts';
import { type RunDocument, runSchemaVersion } from './run-document.ts';

/** Versions this shardmove reads: the current one, and version 1 (upgraded on reading). */
const readable = [1, runSchemaVersion] as const;

/**
 * A version 1 document as version 2: it had no validity (every run counted as conclusive),
 * no outcomes (each check and threshold as it passed) and no rehearsal stages.
 */
function upgradeFromV1(data: Record<string, unknown>): RunDocument {
  const v1 = data as unknown as Omit<RunDocument, 'validity' | 'outcomes' | 'rehearsal' | 'schemaVersion'>;
  return {
    ...v1,
    schemaVersion: runSchemaVersion,
    validity: { conclusive: true, reasons: [], advice: [] },
    outcomes: outcomes(v1.checks, v1.thresholds, {}),
    rehearsal: {
      connectionCost: undefined,
      storm: undefined,
      warmup: undefined,
      calibration: undefined,
      baseline: undefined,
      settle: undefined,
    },
  };
}

/** Schema problems as `path: message` lines, at most ten. */
export function runDocumentProblems(data: unknown, version: number = runSchemaVersion): Promise<string[]> {
  return schemaProblems(new URL(`./schema/run-v${version}.schema.json`, import.meta.url), data);
}

/** Reads <dir>/run.json (or a run.json path) and checks it against the schema of its version. */
export async function readRunDocument(path: string): Promise<RunDocument> {
  const file = path.endsWith('.json') ? path : join(path, 'run.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${errorMessage(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not JSON: ${errorMessage(error)}`);
  }
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (!(readable as readonly unknown[]).includes(version)) {
    throw new ConfigError(
      `${file} has schemaVersion ${JSON.stringify(version)}; this shardmove reads versions ${readable.join(' and ')}`,
    );
  }
  const problems = await runDocumentProblems(data, version as number);
  if (problems.length)
    throw new ConfigError(`${file} does not match the run.json schema:\n  ${problems.join('\n  ')}`);
  return version === 1 ? upgradeFromV1(data as Record<string, unknown>) : (data as RunDocument);
}
