import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ConfigError, errorMessage } from '../errors.ts';
import { parseScript, parseScriptSpec, ScriptError } from './pgbench-script.ts';
import { scriptCatalog, type WeightedScript } from './scripts.ts';

/**
 * pgbench `-f file.sql@weight` specs, read and parsed: each error names the file and line.
 * Relative paths resolve against `baseDir` (a case's folder, or the working directory).
 */
export async function loadScriptFiles(
  specs: readonly string[],
  baseDir = process.cwd(),
): Promise<WeightedScript[]> {
  const scripts: WeightedScript[] = [];
  for (const spec of specs) {
    let parsed: { path: string; weight: number };
    try {
      parsed = parseScriptSpec(spec);
    } catch (error) {
      throw new ConfigError(errorMessage(error));
    }
    const file = resolve(baseDir, parsed.path);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`script ${parsed.path}: cannot read it (${errorMessage(error)})`);
    }
    const name = basename(file);
    if (Object.hasOwn(scriptCatalog, name) || scripts.some((s) => s.name === name))
      throw new ConfigError(
        `script ${parsed.path}: two scripts are named ${name}; give each file a name of its own`,
      );
    try {
      scripts.push({ name, weight: parsed.weight, program: parseScript(text, parsed.path, name) });
    } catch (error) {
      if (error instanceof ScriptError) throw new ConfigError(error.message);
      throw error;
    }
  }
  return scripts;
}
