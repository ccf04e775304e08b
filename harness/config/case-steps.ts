import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ConfigError } from '../errors.ts';
import { parseScript, parseScriptSpec, ScriptError } from '../load/pgbench-script.ts';
import { type CaseText, caseFilePath, fileLine } from './case-file.ts';
import {
  type BuiltinStepId,
  builtinStepIds,
  type ProcedureStep,
  type StepTarget,
  stepMarks,
  stepTargets,
} from './config-types.ts';
import { unknownPlaceholder, userSqlPlaceholders } from './user-sql.ts';

/** Names the report already uses for the harness's own phases: a step the user writes takes another. */
const reservedNames = new Set([
  ...builtinStepIds.map((id) => id.replace(/-/g, ' ')),
  'readiness',
  'copy',
  'unfreeze on old',
  'drop replication',
  'drop the copy on new',
  'release',
  'drop old',
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A case's `migration.steps`, checked before anything is provisioned: every phase known,
 * every option known, every SQL file inside the case folder, readable, and using only
 * known placeholders. Each error names the case file and line, or the SQL file and line.
 */
export async function caseSteps(
  caseText: CaseText,
  jsonPath: string,
  raw: unknown,
): Promise<ProcedureStep[]> {
  const at = (path: string) => fileLine(caseText.file, caseText.json.lineOf(path));
  if (!Array.isArray(raw) || raw.length === 0)
    throw new ConfigError(`${at(jsonPath)}: 'migration.steps' must be a non-empty list of steps`);
  const steps: ProcedureStep[] = [];
  const names = new Set<string>();
  const marked = new Set<string>();
  for (const [i, item] of raw.entries()) {
    const path = `${jsonPath}.${i}`;
    if (!isObject(item))
      throw new ConfigError(
        `${at(path)}: step ${i + 1} must be an object: {"phase": "freeze"} or {"name": .., "sql": .., "on": ..}`,
      );
    if ('phase' in item) {
      steps.push(builtinStep(item, path, at));
      continue;
    }
    const unknown = Object.keys(item).filter((k) => !['name', 'sql', 'on', 'undo', 'marks'].includes(k));
    if (unknown.length)
      throw new ConfigError(
        `${at(`${path}.${unknown[0]}`)}: unknown option '${unknown[0]}' of a SQL step (options: name, sql, on, undo, marks)`,
      );
    const name = item.name;
    if (typeof name !== 'string' || name.trim() === '')
      throw new ConfigError(
        `${at(path)}: step ${i + 1} needs a "name" (what the report calls it) or a "phase"`,
      );
    if (reservedNames.has(name))
      throw new ConfigError(
        `${at(`${path}.name`)}: the step name '${name}' is a built-in phase's; give yours another`,
      );
    if (names.has(name)) throw new ConfigError(`${at(`${path}.name`)}: two steps are named '${name}'`);
    names.add(name);
    if (!(stepTargets as readonly unknown[]).includes(item.on))
      throw new ConfigError(
        `${at(`${path}.on`)}: step '${name}' runs on one of ${stepTargets.join(', ')}, got ${JSON.stringify(item.on)}`,
      );
    if (item.marks !== undefined) {
      if (!(stepMarks as readonly unknown[]).includes(item.marks))
        throw new ConfigError(
          `${at(`${path}.marks`)}: 'marks' is freeze or switch, got ${JSON.stringify(item.marks)}`,
        );
      if (marked.has(item.marks as string))
        throw new ConfigError(`${at(`${path}.marks`)}: two steps mark the ${item.marks}`);
      marked.add(item.marks as string);
    }
    const sql = await sqlFile(caseText, `${path}.sql`, item.sql, `step '${name}': sql`);
    const undo =
      item.undo === undefined
        ? undefined
        : await sqlFile(caseText, `${path}.undo`, item.undo, `step '${name}': undo`);
    steps.push({
      name,
      sql,
      on: item.on as StepTarget,
      undo,
      marks: item.marks as 'freeze' | 'switch' | undefined,
    });
  }
  return steps;
}

function builtinStep(item: Record<string, unknown>, path: string, at: (p: string) => string): ProcedureStep {
  const id = item.phase;
  if (!(builtinStepIds as readonly unknown[]).includes(id))
    throw new ConfigError(`${at(`${path}.phase`)}: unknown phase ${JSON.stringify(id)}`, {
      hint: `built-in phases: ${builtinStepIds.join(', ')}; or a SQL step {"name", "sql", "on"}`,
    });
  const unknown = Object.keys(item).filter((k) => k !== 'phase' && !(k === 'deadline' && id === 'catch-up'));
  if (unknown.length)
    throw new ConfigError(
      `${at(`${path}.${unknown[0]}`)}: unknown option '${unknown[0]}' of the phase ${id}${id === 'catch-up' ? ' (options: deadline)' : ' (it takes none)'}`,
    );
  if (item.deadline !== undefined && item.deadline !== 'hold')
    throw new ConfigError(
      `${at(`${path}.deadline`)}: 'deadline' is "hold" (the held switch's), got ${JSON.stringify(item.deadline)}`,
    );
  return item.deadline === 'hold'
    ? { phase: id as BuiltinStepId, deadline: 'hold' }
    : { phase: id as BuiltinStepId };
}

async function sqlFile(caseText: CaseText, path: string, value: unknown, what: string): Promise<string> {
  const file = await caseFilePath(caseText, path, value, what);
  const text = await readFile(file, 'utf8');
  const unknown = unknownPlaceholder(text);
  if (unknown)
    throw new ConfigError(`${fileLine(file, unknown.line)}: unknown placeholder {{${unknown.name}}}`, {
      hint: `placeholders: ${Object.keys(userSqlPlaceholders).join(', ')}`,
    });
  return file;
}

/**
 * A case's `load.scripts`: pgbench `-f` specs, each file inside the case folder and parsed
 * now, so that a malformed `\\set` or an unknown meta-command stops the run before anything
 * is provisioned. Returned as `absolute-path@weight`.
 */
export async function caseScripts(caseText: CaseText, jsonPath: string, raw: unknown): Promise<string[]> {
  const at = (path: string) => fileLine(caseText.file, caseText.json.lineOf(path));
  if (!Array.isArray(raw))
    throw new ConfigError(`${at(jsonPath)}: 'load.scripts' must be a list of "file.sql@weight"`);
  const out: string[] = [];
  for (const [i, spec] of raw.entries()) {
    const path = `${jsonPath}.${i}`;
    if (typeof spec !== 'string')
      throw new ConfigError(`${at(path)}: a script is "file.sql@weight", got ${JSON.stringify(spec)}`);
    let parsed: { path: string; weight: number };
    try {
      parsed = parseScriptSpec(spec);
    } catch (error) {
      throw new ConfigError(`${at(path)}: ${(error as Error).message}`);
    }
    const file = await caseFilePath(caseText, path, parsed.path, 'script');
    try {
      parseScript(await readFile(file, 'utf8'), fileLine(file), basename(file));
    } catch (error) {
      if (error instanceof ScriptError) throw new ConfigError(error.message);
      throw error;
    }
    out.push(`${file}@${parsed.weight}`);
  }
  return out;
}

/** SQL files a case adds to the schema: inside its folder, with known placeholders only. */
export async function caseSqlFiles(
  caseText: CaseText,
  jsonPath: string,
  raw: unknown,
  what: string,
): Promise<string[]> {
  const at = (path: string) => fileLine(caseText.file, caseText.json.lineOf(path));
  if (!Array.isArray(raw)) throw new ConfigError(`${at(jsonPath)}: '${what}' must be a list of SQL files`);
  const out: string[] = [];
  for (const [i, item] of raw.entries()) out.push(await sqlFile(caseText, `${jsonPath}.${i}`, item, what));
  return out;
}
