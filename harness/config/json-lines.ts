/**
 * A JSON document with the line each value starts on, so that an error in a case file can
 * name `case.json:14` and not only a key path. JSON.parse does the parsing (and its
 * errors); this walk only finds where things are, over text already known to be valid.
 */
export interface JsonWithLines {
  readonly value: unknown;
  /** The line (1-based) of the value at that path (`migration.steps.2.sql`), or of its nearest parent. */
  lineOf(path: string): number;
}

/**
 * `//` comments blanked out (outside strings), every other character where it was: a case
 * file may explain itself, as the one `shardmove init` writes does, and lines still count.
 */
export function withoutComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') {
        out += ' ';
        i++;
      }
      if (i < text.length) out += '\n';
    } else out += c;
  }
  return out;
}

export function parseJsonWithLines(source: string): JsonWithLines {
  const text = withoutComments(source);
  const value: unknown = JSON.parse(text);
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  const skipString = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const walk = (path: string): void => {
    skipSpace();
    lines.set(path, line);
    const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
    const c = text[i];
    if (c === '{') {
      i++;
      skipSpace();
      while (text[i] !== '}') {
        const key = skipString();
        skipSpace();
        i++; // ':'
        walk(at(key));
        skipSpace();
        if (text[i] === ',') i++;
        skipSpace();
      }
      i++;
    } else if (c === '[') {
      i++;
      skipSpace();
      for (let n = 0; text[i] !== ']'; n++) {
        walk(at(n));
        skipSpace();
        if (text[i] === ',') i++;
        skipSpace();
      }
      i++;
    } else if (c === '"') skipString();
    else while (i < text.length && !/[\s,\]}]/.test(text[i] as string)) i++;
  };
  walk('');
  return {
    value,
    lineOf(path) {
      for (let p = path; ; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
        const found = lines.get(p);
        if (found !== undefined || p === '') return found ?? 1;
      }
    },
  };
}

/** Where JSON.parse stopped, as a line, from its message's "position N" (Node 20). */
export function jsonErrorLine(text: string, message: string): number | undefined {
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined) return undefined;
  return text.slice(0, Number(position)).split('\n').length;
}
