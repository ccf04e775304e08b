/**
 * The SQL files a case brings: the placeholders they may use, and their statements with the
 * line each starts on, so that a failure names `file:line`. No placeholder carries a
 * password: an FDW or subscription that needs one is made by the built-in phases.
 */
export const userSqlPlaceholders = {
  partition: 'the moved partition (23)',
  shard: 'the shard number of the database the file runs in (the moved partition, for a step)',
  database: "the moved shard's database (db23)",
  cluster: "PL/Proxy's cluster (rds_pg_cluster)",
  role: 'the role every connection uses (digoal)',
  proxy_database: "the proxy's database (proxy)",
  old_host: "old's host as the other nodes reach it",
  old_port: "old's port as the other nodes reach it",
  new_host: "new's host as the other nodes reach it",
  new_port: "new's port as the other nodes reach it",
  old_dsn:
    "libpq keywords for the moved shard on old: host=.. port=.. dbname=.. user=.. (sslmode and sslrootcert as old's URI has them; no password)",
  new_dsn: 'libpq keywords for the moved shard on new (no password)',
} as const;
export type UserSqlPlaceholder = keyof typeof userSqlPlaceholders;

export interface PlaceholderUse {
  readonly name: string;
  readonly line: number;
}

export function placeholderUses(text: string): PlaceholderUse[] {
  return [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => ({
    name: m[1] ?? '',
    line: text.slice(0, m.index).split('\n').length,
  }));
}

export function unknownPlaceholder(text: string): PlaceholderUse | undefined {
  return placeholderUses(text).find((u) => !Object.hasOwn(userSqlPlaceholders, u.name));
}

/** Values go in as written: integers, identifiers and libpq keyword strings without quotes or line breaks. */
export function renderUserSql(
  text: string,
  vars: Readonly<Record<UserSqlPlaceholder, string | number>>,
): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => {
    const value = (vars as Record<string, string | number | undefined>)[key];
    if (value === undefined) return whole;
    const s = String(value);
    if (!/^[A-Za-z0-9_.:=/ -]*$/.test(s))
      throw new Error(`{{${key}}}'s value has characters SQL would need quoted`);
    return s;
  });
}

export interface UserStatement {
  readonly text: string;
  /** The line of the file the statement starts on. */
  readonly line: number;
}

/**
 * A file's statements, each with its first line. As the harness's own files: split at each
 * `;` that ends a line, unless the file has a dollar-quoted body (then sent whole), so that
 * VACUUM and CREATE INDEX CONCURRENTLY run outside a transaction block.
 */
export function userStatements(text: string): UserStatement[] {
  const out: UserStatement[] = [];
  const push = (chunk: string, startLine: number) => {
    const lead = /^\s*/.exec(chunk)?.[0] ?? '';
    const body = chunk.slice(lead.length).trimEnd();
    const meaningful = body.replace(/^\s*--.*$/gm, '').trim();
    if (meaningful) out.push({ text: body, line: startLine + (lead.match(/\n/g)?.length ?? 0) });
  };
  if (/\$\w*\$/.test(text)) {
    push(text, 1);
    return out;
  }
  const re = /;[ \t]*(?:\r?\n|$)/g;
  let from = 0;
  let line = 1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const chunk = text.slice(from, m.index);
    push(chunk, line);
    line += (text.slice(from, m.index + m[0].length).match(/\n/g) ?? []).length;
    from = m.index + m[0].length;
  }
  push(text.slice(from), line);
  return out;
}

/** The file line a server error's `position` (1-based, in the statement as sent) points at. */
export function errorLine(statement: UserStatement, position: string | undefined): number {
  const at = Number(position);
  if (!Number.isInteger(at) || at < 1) return statement.line;
  return statement.line + (statement.text.slice(0, at - 1).match(/\n/g)?.length ?? 0);
}
