import { readFile } from 'node:fs/promises';
import { type Endpoint, parseDsn } from '../config/dsn.ts';
import { Secret } from '../secret.ts';
import { writeFileAtomic } from '../util/atomic-file.ts';

/** libpq's pgpass escaping: backslash and colon are escaped with a backslash. */
const escapeField = (s: string) => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');

function splitLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && i + 1 < line.length) current += line[++i];
    else if (ch === ':') {
      fields.push(current);
      current = '';
    } else current += ch;
  }
  fields.push(current);
  return fields;
}

/** Writes a mode-0600 pgpass file, so `PGPASSFILE=... psql "$uri"` and pgbench just work. */
export async function writePgpass(path: string, endpoints: readonly Endpoint[]): Promise<void> {
  const lines = endpoints
    .filter((e) => e.password !== undefined)
    .map((e) => [e.host, String(e.port), '*', e.user, e.password?.reveal() ?? ''].map(escapeField).join(':'));
  await writeFileAtomic(path, `${[...new Set(lines)].join('\n')}\n`);
}

/** The password for host:port:user from a pgpass file, as libpq would find it. */
export async function readPgpass(
  path: string,
  endpoint: Omit<Endpoint, 'password'>,
): Promise<Secret | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [host, port, , user, password] = splitLine(line);
    const matches = (pattern: string | undefined, value: string) => pattern === '*' || pattern === value;
    if (
      matches(host, endpoint.host) &&
      matches(port, String(endpoint.port)) &&
      matches(user, endpoint.user)
    ) {
      return password === undefined ? undefined : new Secret(password);
    }
  }
  return undefined;
}

/** A recorded URI (it never holds a password) with its password looked up in a pgpass file. */
export async function endpointWithPgpass(path: string, uri: string, what: string): Promise<Endpoint> {
  const parsed = parseDsn(uri, what);
  return { ...parsed, password: await readPgpass(path, parsed) };
}
