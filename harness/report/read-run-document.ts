import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { ConfigError } from '../errors.ts';
import { type RunDocument, runSchemaVersion } from './run-document.ts';

const schemaUrl = new URL(`./schema/run-v${runSchemaVersion}.schema.json`, import.meta.url);

let validator: (((data: unknown) => boolean) & { errors?: unknown }) | undefined;

async function validate(): Promise<NonNullable<typeof validator>> {
  if (!validator) {
    const schema = JSON.parse(await readFile(schemaUrl, 'utf8')) as object;
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  return validator;
}

/** Schema problems as `path: message` lines, at most ten. */
export async function runDocumentProblems(data: unknown): Promise<string[]> {
  const check = await validate();
  if (check(data)) return [];
  const errors = (check.errors ?? []) as Array<{ instancePath: string; message?: string }>;
  return errors.slice(0, 10).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}

/** Reads <dir>/run.json (or a run.json path) and checks it against the schema of its version. */
export async function readRunDocument(path: string): Promise<RunDocument> {
  const file = path.endsWith('.json') ? path : join(path, 'run.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (version !== runSchemaVersion) {
    throw new ConfigError(
      `${file} has schemaVersion ${JSON.stringify(version)}; this shardmove reads version ${runSchemaVersion}`,
    );
  }
  const problems = await runDocumentProblems(data);
  if (problems.length)
    throw new ConfigError(`${file} does not match the run.json schema:\n  ${problems.join('\n  ')}`);
  return data as RunDocument;
}
