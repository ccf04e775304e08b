import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, errorMessage } from '../errors.ts';
import { type JsonWithLines, jsonErrorLine, parseJsonWithLines, withoutComments } from './json-lines.ts';

/** The built-in cases: one folder each, `scenarios/<name>/case.json`. */
export const scenariosDir = fileURLToPath(new URL('../../scenarios/', import.meta.url));
export const caseFileName = 'case.json';

/** Where a case is: its folder (what its paths resolve against), its file, the name it goes by. */
export interface CaseLocation {
  readonly name: string;
  readonly dir: string;
  readonly file: string;
}

/** A case file read: its JSON with lines, for errors that name `file:line`. */
export interface CaseText extends CaseLocation {
  readonly json: JsonWithLines;
}

/** `file:line` as the user sees it: relative to the working directory when inside it. */
export function fileLine(file: string, line?: number): string {
  const rel = relative(process.cwd(), file);
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
  return line === undefined ? shown : `${shown}:${line}`;
}

export async function listCases(): Promise<string[]> {
  const entries = await readdir(scenariosDir, { withFileTypes: true });
  const names: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && (await exists(join(scenariosDir, e.name, caseFileName)))) names.push(e.name);
  }
  return names.sort();
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const looksLikePath = (ref: string) => ref.includes('/') || ref.includes(sep) || ref.startsWith('.');

/** A case by name (a folder of scenarios/) or by path (a case folder, or its case file). */
export async function locateCase(ref: string): Promise<CaseLocation> {
  if (!looksLikePath(ref)) {
    const available = await listCases();
    if (!/^[a-z0-9-]+$/.test(ref) || !available.includes(ref)) {
      throw new ConfigError(`unknown case '${ref}'`, {
        hint: `built-in cases: ${available.join(', ')}; or give a path to a case folder (./my-case)`,
      });
    }
    return { name: ref, dir: join(scenariosDir, ref), file: join(scenariosDir, ref, caseFileName) };
  }
  const path = resolve(ref);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new ConfigError(`no case at ${ref}: no such file or folder`);
  const file = info.isDirectory() ? join(path, caseFileName) : path;
  if (info.isDirectory() && !(await exists(file)))
    throw new ConfigError(`${ref} is a folder without a ${caseFileName}`, {
      hint: '`shardmove init <dir>` writes a case to start from',
    });
  const dir = dirname(file);
  return { name: basename(dir), dir, file };
}

export async function readCaseText(location: CaseLocation): Promise<CaseText> {
  let text: string;
  try {
    text = await readFile(location.file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${fileLine(location.file)}: cannot read it (${errorMessage(error)})`);
  }
  try {
    return { ...location, json: parseJsonWithLines(text) };
  } catch (error) {
    throw new ConfigError(
      `${fileLine(location.file, jsonErrorLine(withoutComments(text), errorMessage(error)))}: not valid JSON (${errorMessage(error)})`,
    );
  }
}

/**
 * A path a case names, resolved inside its folder. A case is something one copies and
 * shares: it may read its own files, never `../../etc` or a link out of its folder.
 */
export async function caseFilePath(
  caseText: CaseText,
  jsonPath: string,
  value: unknown,
  what: string,
): Promise<string> {
  const at = fileLine(caseText.file, caseText.json.lineOf(jsonPath));
  if (typeof value !== 'string' || value === '')
    throw new ConfigError(
      `${at}: ${what} must be a path relative to the case folder, got ${JSON.stringify(value)}`,
    );
  if (isAbsolute(value))
    throw new ConfigError(
      `${at}: ${what} ${JSON.stringify(value)} is absolute; a case names its files relative to its folder`,
    );
  const path = resolve(caseText.dir, value);
  const inside = (p: string, root: string) => p === root || p.startsWith(root + sep);
  if (!inside(path, caseText.dir))
    throw new ConfigError(
      `${at}: ${what} ${JSON.stringify(value)} is outside the case folder ${fileLine(caseText.dir)}`,
    );
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw new ConfigError(`${at}: ${what} ${JSON.stringify(value)} does not exist (${fileLine(path)})`);
  }
  if (!inside(real, await realpath(caseText.dir)))
    throw new ConfigError(
      `${at}: ${what} ${JSON.stringify(value)} is a link out of the case folder (to ${real})`,
    );
  try {
    await readFile(real);
  } catch (error) {
    throw new ConfigError(`${at}: ${what} ${JSON.stringify(value)} cannot be read (${errorMessage(error)})`);
  }
  return real;
}
