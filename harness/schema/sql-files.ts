import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

export const sqlRoot = fileURLToPath(new URL('../../fixtures/sql/', import.meta.url));

export interface SqlFile {
  readonly name: string;
  readonly text: string;
}

/** The numbered .sql files of one folder under fixtures/sql, in order. */
export async function sqlFiles(folder: string): Promise<SqlFile[]> {
  const dir = `${sqlRoot}${folder}/`;
  const names = (await readdir(dir)).filter((n) => /^\d{3}_.+\.sql$/.test(n)).sort();
  return Promise.all(
    names.map(async (name) => ({ name: `${folder}/${name}`, text: await readFile(dir + name, 'utf8') })),
  );
}

/**
 * Fills {{name}} placeholders. Only integers and validated identifiers are ever passed
 * (see config-schema.ts), so substitution cannot change the statement's structure; an
 * unknown placeholder is an error rather than a silent empty string.
 */
export function renderSql(file: SqlFile, vars: Readonly<Record<string, string | number>>): string {
  return file.text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new Error(`${file.name}: no value for {{${key}}}`);
    if (typeof value === 'number' ? !Number.isInteger(value) : !/^[a-z_][a-z0-9_]*$/.test(value)) {
      throw new Error(`${file.name}: {{${key}}} must be an integer or identifier`);
    }
    return String(value);
  });
}

/**
 * A file's statements. Files without dollar-quoted bodies are split at each `;` that ends
 * a line, so that statements which refuse a transaction block (VACUUM) run on their own;
 * files with function bodies are sent whole.
 */
export function statements(text: string): string[] {
  if (/\$\w*\$/.test(text)) return [text];
  return text
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}

/** A statement as sent, on one line, and how long it took: for a phase that reports its parts. */
export type StatementDone = (statement: string, millis: number) => void;

export async function runSqlFile(
  client: pg.Client,
  file: SqlFile,
  vars: Record<string, string | number>,
  onStatement?: StatementDone,
): Promise<void> {
  for (const statement of statements(renderSql(file, vars))) {
    const startedAt = performance.now();
    await client.query(statement);
    onStatement?.(statement.replace(/\s+/g, ' '), performance.now() - startedAt);
  }
}

/** Runs every numbered file of a folder, in order, on one connection. */
export async function runSqlFolder(
  client: pg.Client,
  folder: string,
  vars: Record<string, string | number>,
): Promise<void> {
  for (const file of await sqlFiles(folder)) await runSqlFile(client, file, vars);
}

/** The one file of a folder whose name starts with a number prefix (`001`); throws naming it when absent. */
export async function sqlFile(folder: string, prefix: string): Promise<SqlFile> {
  const file = (await sqlFiles(folder)).find((f) => f.name.startsWith(`${folder}/${prefix}`));
  if (!file) throw new Error(`no ${folder}/${prefix}* file in fixtures/sql`);
  return file;
}
