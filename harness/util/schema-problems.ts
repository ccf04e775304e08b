import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';

type Validator = ((data: unknown) => boolean) & { errors?: unknown };
const validators = new Map<string, Validator>();

/** What is wrong with data against the JSON schema at a URL, as `path: message` lines, at most ten. */
export async function schemaProblems(schemaUrl: URL, data: unknown): Promise<string[]> {
  let validator = validators.get(schemaUrl.href);
  if (!validator) {
    const schema = JSON.parse(await readFile(schemaUrl, 'utf8')) as object;
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema) as Validator;
    validators.set(schemaUrl.href, validator);
  }
  if (validator(data)) return [];
  const errors = (validator.errors ?? []) as Array<{ instancePath: string; message?: string }>;
  return errors.slice(0, 10).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}
