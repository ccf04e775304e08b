import { type Expr, ExprSyntaxError, exprVariables, parseExpr } from './pgbench-expr.ts';

/**
 * A pgbench script file (`pgbench -f file.sql@weight`), parsed to plain data that crosses to
 * a generator thread: `\set var expr`, `\sleep n [us|ms|s]`, and SQL commands (ending with
 * `;` at the end of a line) whose `:var`s become parameters, as `-M prepared` sends them.
 * What pgbench does not ignore and this does not do is an error naming file and line.
 *
 * Two comment directives tell the harness what a transaction does, so that its checks cover
 * the user's calls:
 *   -- shardmove: key=uid        the transaction routes on :uid (its partition is uid & (n-1))
 *   -- shardmove: writes         it writes one login_log row for :uid (insert_log does): the
 *                                write-rejection check and the acknowledged-write ledger count it
 * pgbench reads both as comments.
 */
export type ScriptCommand =
  | { readonly kind: 'set'; readonly variable: string; readonly expr: Expr; readonly line: number }
  | { readonly kind: 'sleep'; readonly amount: Expr; readonly unitMicros: number; readonly line: number }
  | {
      readonly kind: 'sql';
      /** With $1..$n where the script wrote :vars. */
      readonly text: string;
      readonly parameters: readonly string[];
      readonly line: number;
    };

export interface ScriptProgram {
  /** The file's name, as the report and the progress lines call it. */
  readonly name: string;
  readonly file: string;
  readonly commands: readonly ScriptCommand[];
  /** The variable the transaction routes on; undefined: calls the harness cannot attribute to a partition. */
  readonly key: string | undefined;
  readonly writes: boolean;
}

export class ScriptError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

/** pgbench's own variables, set before the first transaction. */
export const builtinVariables = ['client_id', 'scale', 'random_seed'];

const sleepUnits: Readonly<Record<string, number>> = { us: 1, ms: 1000, s: 1_000_000 };

/** `:name` outside `::` casts becomes $n, each variable once, in order of first use. */
function parameterize(sql: string): { text: string; parameters: string[] } {
  const parameters: string[] = [];
  const text = sql.replace(/(::?)([A-Za-z_]\w*)/g, (whole, colons: string, name: string) => {
    if (colons === '::') return whole;
    let n = parameters.indexOf(name);
    if (n < 0) n = parameters.push(name) - 1;
    return `$${n + 1}`;
  });
  return { text, parameters };
}

export function parseScript(text: string, file: string, name = file): ScriptProgram {
  const lines = text.split(/\r?\n/);
  const commands: ScriptCommand[] = [];
  const set = new Set(builtinVariables);
  let key: string | undefined;
  let writes = false;
  let sql: { text: string; line: number } | undefined;
  const expr = (source: string, line: number, what: string): Expr => {
    try {
      const e = parseExpr(source);
      const unset = exprVariables(e).find((v) => !set.has(v));
      if (unset) throw new ScriptError(file, line, `${what} uses :${unset}, which no earlier \\set sets`);
      return e;
    } catch (error) {
      if (error instanceof ExprSyntaxError)
        throw new ScriptError(file, line, `malformed ${what}: ${error.message}`);
      throw error;
    }
  };
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const trimmed = raw.trim();
    const directive = /^--\s*shardmove:\s*(.*)$/.exec(trimmed);
    if (directive && !sql) {
      for (const word of (directive[1] ?? '').split(/\s+/).filter(Boolean)) {
        const kv = /^key=:?([A-Za-z_]\w*)$/.exec(word);
        if (kv) key = kv[1];
        else if (word === 'writes') writes = true;
        else throw new ScriptError(file, line, `unknown shardmove directive '${word}' (key=VAR, writes)`);
      }
      continue;
    }
    if (!sql && (trimmed === '' || trimmed.startsWith('--'))) continue;
    if (!sql && trimmed.startsWith('\\')) {
      const [command = '', ...rest] = trimmed.slice(1).split(/\s+/);
      const args = rest.join(' ');
      if (command === 'set') {
        const m = /^([A-Za-z_]\w*)\s+(.+)$/.exec(args);
        if (!m) throw new ScriptError(file, line, `malformed \\set: expected \\set name expression`);
        const variable = m[1] as string;
        commands.push({ kind: 'set', variable, expr: expr(m[2] as string, line, `\\set ${variable}`), line });
        set.add(variable);
      } else if (command === 'sleep') {
        const m = /^(\S+)(?:\s+(us|ms|s))?$/.exec(args);
        if (!m) throw new ScriptError(file, line, `malformed \\sleep: expected \\sleep number [us|ms|s]`);
        const amount = expr(m[1] as string, line, '\\sleep');
        commands.push({ kind: 'sleep', amount, unitMicros: sleepUnits[m[2] ?? 's'] as number, line });
      } else {
        throw new ScriptError(
          file,
          line,
          `unknown meta-command \\${command} (this generator runs \\set and \\sleep; pgbench's \\shell, \\if and the rest are not supported)`,
        );
      }
      continue;
    }
    sql = sql ? { text: `${sql.text}\n${raw}`, line: sql.line } : { text: raw, line };
    if (/;\s*$/.test(raw)) {
      const statement = sql.text.trim().replace(/;\s*$/, '');
      const { text: sent, parameters } = parameterize(statement);
      const unset = parameters.find((p) => !set.has(p));
      if (unset)
        throw new ScriptError(file, sql.line, `the statement uses :${unset}, which no earlier \\set sets`);
      commands.push({ kind: 'sql', text: sent, parameters, line: sql.line });
      sql = undefined;
    }
  }
  if (sql) throw new ScriptError(file, sql.line, 'a statement without its closing `;`');
  if (!commands.some((c) => c.kind === 'sql')) throw new ScriptError(file, 1, 'no SQL command in the script');
  if (key !== undefined && !set.has(key))
    throw new ScriptError(file, 1, `the directive key=${key} names a variable no \\set sets`);
  if (writes && key === undefined)
    throw new ScriptError(
      file,
      1,
      'the directive writes needs key=VAR too: which partition the write goes to',
    );
  return { name, file, commands, key, writes };
}

/** `file.sql@3`: the file and its weight, as pgbench -f reads them. */
export function parseScriptSpec(spec: string): { path: string; weight: number } {
  const at = spec.lastIndexOf('@');
  if (at < 0) return { path: spec, weight: 1 };
  const weightText = spec.slice(at + 1);
  if (!/^\d+$/.test(weightText) || Number(weightText) < 1)
    throw new Error(`the weight in '${spec}' must be a positive whole number`);
  return { path: spec.slice(0, at), weight: Number(weightText) };
}
