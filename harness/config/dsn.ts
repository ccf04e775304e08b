import { ConfigError } from '../errors.ts';
import { Secret } from '../secret.ts';

/** Where and as whom to connect. The password never leaves its Secret until a connect call. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: Secret | undefined;
  readonly database: string;
}

/**
 * Parses a libpq URI (postgres://user:password@host:port/db). Keyword=value strings are
 * not accepted here: one form is enough for config, and URIs are what `up --json` prints.
 */
export function parseDsn(dsn: string, what: string): Endpoint {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new ConfigError(`${what}: malformed connection URI ${JSON.stringify(redactDsn(dsn))}`, {
      hint: 'expected postgres://user[:password]@host[:port]/database',
    });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(
      `${what}: connection URI must start with postgres:// or postgresql://, got ${url.protocol}//`,
    );
  }
  if (!url.hostname) throw new ConfigError(`${what}: connection URI has no host`);
  const port = url.port ? Number(url.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`${what}: port ${url.port} is not a TCP port`);
  }
  const user = decodeURIComponent(url.username);
  if (!user) throw new ConfigError(`${what}: connection URI has no user`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  const password = url.password ? new Secret(decodeURIComponent(url.password)) : undefined;
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, user, password, database };
}

/** A libpq URI without the password (credentials go to the pgpass file). */
export function formatDsn(endpoint: Endpoint, database = endpoint.database): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `postgresql://${encodeURIComponent(endpoint.user)}@${host}:${endpoint.port}/${encodeURIComponent(database)}`;
}

/**
 * Hides every password a connection string may carry, whatever its shape, for an error
 * message or a log: a URI's userinfo (well-formed or not: a scheme with or without its
 * colon or slashes, or none; everything from the colon after the user to the last '@'
 * counts as the password, since an unescaped one may hold '/' or '@' itself, and a
 * database name with an '@' is hidden too: better than a password shown), and any
 * password= or sslpassword= keyword (conninfo, or a URI's query).
 */
export function redactDsn(dsn: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*(?::\/+|\/\/)/i.exec(dsn)?.[0] ?? '';
  const rest = dsn
    .slice(scheme.length)
    .replace(/^([^\s:/@=]*):[^\s]*@(?=[^@]*$)/, (_, user: string) => `${user}:[redacted]@`);
  const userinfo = scheme + rest;
  return userinfo.replace(/\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)/gi, '$1[redacted]');
}

/** Quotes a libpq keyword=value value when it needs it (empty, spaces, quotes, backslashes). */
export function quoteConninfoValue(value: string): string {
  if (value !== '' && /^[^\s'\\]+$/.test(value)) return value;
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function formatConninfo(params: ReadonlyArray<readonly [string, string | number]>): string {
  return params.map(([key, value]) => `${key}=${quoteConninfoValue(String(value))}`).join(' ');
}
