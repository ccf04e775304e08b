/**
 * pgbench's `\set` expressions: integers and doubles, `:variables`, + - * / %, unary minus,
 * comparisons, parentheses, and its functions (random, random_gaussian, random_exponential,
 * abs, least, greatest, int, double, sqrt, pi, mod, pow, exp, ln). Integer arithmetic stays
 * integer (5 / 2 is 2), as pgbench's does. Parsed once, into plain data that crosses to a
 * generator thread; evaluated per transaction.
 */
export type Expr =
  | { readonly k: 'num'; readonly v: number; readonly int: boolean }
  | { readonly k: 'var'; readonly name: string }
  | { readonly k: 'op'; readonly op: string; readonly args: readonly Expr[] }
  | { readonly k: 'fn'; readonly fn: string; readonly args: readonly Expr[] };

export interface Value {
  readonly v: number;
  readonly int: boolean;
}

const arity: Readonly<Record<string, readonly [number, number]>> = {
  random: [2, 2],
  random_gaussian: [3, 3],
  random_exponential: [3, 3],
  abs: [1, 1],
  least: [1, 64],
  greatest: [1, 64],
  int: [1, 1],
  double: [1, 1],
  sqrt: [1, 1],
  pi: [0, 0],
  mod: [2, 2],
  pow: [2, 2],
  power: [2, 2],
  exp: [1, 1],
  ln: [1, 1],
};
export const expressionFunctions = Object.keys(arity);

export class ExprSyntaxError extends Error {}

/** Parses one expression; throws ExprSyntaxError with what is wrong. */
export function parseExpr(text: string): Expr {
  const tokens = [
    ...text.matchAll(
      /\s*(\d+\.\d*(?:e[+-]?\d+)?|\d*\.\d+(?:e[+-]?\d+)?|\d+(?:e[+-]?\d+)?|:[A-Za-z_]\w*|[A-Za-z_]\w*|<=|>=|<>|!=|==|[-+*/%(),<>=])|\s*(\S)/gi,
    ),
  ];
  const bad = tokens.find((m) => m[2] !== undefined);
  if (bad) throw new ExprSyntaxError(`unexpected character '${bad[2]}'`);
  const t = tokens.map((m) => m[1] as string);
  let i = 0;
  const peek = () => t[i];
  const take = (want?: string) => {
    const tok = t[i];
    if (want !== undefined && tok !== want)
      throw new ExprSyntaxError(`expected '${want}'${tok ? `, got '${tok}'` : ' at the end'}`);
    i++;
    return tok;
  };
  const binary = (next: () => Expr, ops: readonly string[]) => (): Expr => {
    let left = next();
    while (ops.includes(peek() ?? '')) {
      const op = take() as string;
      left = { k: 'op', op, args: [left, next()] };
    }
    return left;
  };
  const primary = (): Expr => {
    const tok = take();
    if (tok === undefined) throw new ExprSyntaxError('the expression ends too early');
    if (tok === '(') {
      const e = comparison();
      take(')');
      return e;
    }
    if (tok === '-') return { k: 'op', op: 'neg', args: [primary()] };
    if (tok === '+') return primary();
    if (/^[\d.]/.test(tok)) return { k: 'num', v: Number(tok), int: /^\d+$/.test(tok) };
    if (tok.startsWith(':')) return { k: 'var', name: tok.slice(1) };
    if (/^[A-Za-z_]/.test(tok)) {
      const fn = tok.toLowerCase();
      const range = arity[fn];
      if (!range)
        throw new ExprSyntaxError(`unknown function ${tok} (functions: ${expressionFunctions.join(', ')})`);
      take('(');
      const args: Expr[] = [];
      if (peek() !== ')') {
        args.push(comparison());
        while (peek() === ',') {
          take();
          args.push(comparison());
        }
      }
      take(')');
      if (args.length < range[0] || args.length > range[1])
        throw new ExprSyntaxError(
          `${fn} takes ${range[0] === range[1] ? range[0] : `${range[0]} to ${range[1]}`} arguments, got ${args.length}`,
        );
      return { k: 'fn', fn, args };
    }
    throw new ExprSyntaxError(`unexpected '${tok}'`);
  };
  const term = binary(primary, ['*', '/', '%']);
  const sum = binary(term, ['+', '-']);
  const comparison = binary(sum, ['<', '>', '<=', '>=', '=', '==', '<>', '!=']);
  const expr = comparison();
  if (i < t.length) throw new ExprSyntaxError(`unexpected '${t[i]}' after the expression`);
  return expr;
}

/** Variables an expression reads. */
export function exprVariables(e: Expr): string[] {
  if (e.k === 'var') return [e.name];
  if (e.k === 'num') return [];
  return e.args.flatMap(exprVariables);
}

const int = (v: number): Value => ({ v: Math.trunc(v), int: true });
const dbl = (v: number): Value => ({ v, int: false });

/** pgbench's getGaussianRand: a normal draw cut at ±param standard deviations, scaled onto [min, max]. */
function randomGaussian(min: number, max: number, param: number, random: () => number): number {
  if (param < 2) throw new Error(`random_gaussian's parameter must be at least 2.0, got ${param}`);
  let stdev: number;
  do {
    const r1 = 1 - random();
    const r2 = 1 - random();
    stdev = Math.sqrt(-2 * Math.log(r1)) * Math.sin(2 * Math.PI * r2);
  } while (stdev < -param || stdev >= param);
  return min + Math.floor((max - min + 1) * ((stdev + param) / (param * 2)));
}

/** pgbench's getExponentialRand. */
function randomExponential(min: number, max: number, param: number, random: () => number): number {
  if (param <= 0) throw new Error(`random_exponential's parameter must be greater than 0, got ${param}`);
  const cut = Math.exp(-param);
  const r = -Math.log(cut + (1 - cut) * (1 - random())) / param;
  return min + Math.floor((max - min + 1) * r);
}

export function evaluate(
  e: Expr,
  vars: ReadonlyMap<string, Value>,
  random: () => number = Math.random,
): Value {
  switch (e.k) {
    case 'num':
      return { v: e.v, int: e.int };
    case 'var': {
      const v = vars.get(e.name);
      if (!v) throw new Error(`variable :${e.name} is not set`);
      return v;
    }
    case 'op': {
      const [a, b] = e.args.map((x) => evaluate(x, vars, random)) as [Value, Value | undefined];
      if (e.op === 'neg') return { v: -a.v, int: a.int };
      const r = b as Value;
      const both = a.int && r.int;
      switch (e.op) {
        case '+':
          return both ? int(a.v + r.v) : dbl(a.v + r.v);
        case '-':
          return both ? int(a.v - r.v) : dbl(a.v - r.v);
        case '*':
          return both ? int(a.v * r.v) : dbl(a.v * r.v);
        case '/':
          if (r.v === 0) throw new Error('division by zero');
          return both ? int(a.v / r.v) : dbl(a.v / r.v);
        case '%':
          if (!both) throw new Error('% needs integers');
          if (r.v === 0) throw new Error('division by zero');
          return int(a.v % r.v);
        case '<':
          return int(Number(a.v < r.v));
        case '>':
          return int(Number(a.v > r.v));
        case '<=':
          return int(Number(a.v <= r.v));
        case '>=':
          return int(Number(a.v >= r.v));
        case '=':
        case '==':
          return int(Number(a.v === r.v));
        default:
          return int(Number(a.v !== r.v));
      }
    }
    case 'fn': {
      const args = e.args.map((x) => evaluate(x, vars, random));
      const n = args.map((a) => a.v);
      const [x = 0, y = 0, z = 0] = n;
      const needInts = () => {
        if (!args.slice(0, 2).every((a) => a.int)) throw new Error(`${e.fn}'s bounds must be integers`);
        if (x > y) throw new Error(`${e.fn}: the lower bound ${x} is above the upper bound ${y}`);
      };
      switch (e.fn) {
        case 'random':
          needInts();
          return int(x + Math.floor(random() * (y - x + 1)));
        case 'random_gaussian':
          needInts();
          return int(randomGaussian(x, y, z, random));
        case 'random_exponential':
          needInts();
          return int(randomExponential(x, y, z, random));
        case 'abs':
          return { v: Math.abs(x), int: args[0]?.int ?? true };
        case 'least':
        case 'greatest': {
          const v = e.fn === 'least' ? Math.min(...n) : Math.max(...n);
          return { v, int: args.every((a) => a.int) };
        }
        case 'int':
          return int(x);
        case 'double':
          return dbl(x);
        case 'sqrt':
          return dbl(Math.sqrt(x));
        case 'pi':
          return dbl(Math.PI);
        case 'mod':
          if (y === 0) throw new Error('division by zero');
          return int(x % y);
        case 'pow':
        case 'power':
          return dbl(x ** y);
        case 'exp':
          return dbl(Math.exp(x));
        default:
          return dbl(Math.log(x));
      }
    }
  }
}

/** A value as it is substituted into SQL, as text (the server infers the parameter's type). */
export function valueText(value: Value): string {
  return String(value.v);
}
