import { isAbsolute } from 'node:path';
import { ConfigError } from '../errors.ts';
import { Secret } from '../secret.ts';

/**
 * libpq's sslmode, as far as the harness can keep its promise on every link: `prefer` and
 * `allow` fall back to plain text without saying so, which a rehearsal of a TLS setup must
 * not do behind the user's back.
 */
export const sslModes = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof sslModes)[number];

/** TLS to a node, as libpq's sslmode and sslrootcert say it. */
export interface TlsSettings {
  readonly sslmode: SslMode;
  /** The CA bundle (PEM) the server's certificate must chain to: a path every node can read. */
  readonly sslrootcert?: string | undefined;
}

/** Where and as whom to connect. The password never leaves its Secret until a connect call. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: Secret | undefined;
  readonly database: string;
  /** Absent: plain TCP (the nodes shardmove starts itself, on loopback or its own network). */
  readonly tls?: TlsSettings | undefined;
}

/** Whether a connection to the endpoint is encrypted (the server then proves it holds a key). */
export function encrypted(endpoint: Endpoint): boolean {
  return endpoint.tls !== undefined && endpoint.tls.sslmode !== 'disable';
}

/** sslmode and sslrootcert for a libpq connection string to the endpoint: what the nodes write. */
export function tlsConninfo(endpoint: { readonly tls?: TlsSettings | undefined }): Array<[string, string]> {
  const tls = endpoint.tls;
  if (!tls) return [];
  return [
    ['sslmode', tls.sslmode],
    ...(tls.sslrootcert ? [['sslrootcert', tls.sslrootcert] as [string, string]] : []),
  ];
}

function parseTls(url: URL, what: string): TlsSettings | undefined {
  for (const key of url.searchParams.keys()) {
    if (key !== 'sslmode' && key !== 'sslrootcert')
      throw new ConfigError(`${what}: connection URI parameter ${key} is not supported`, {
        hint: 'shardmove reads sslmode and sslrootcert from a URI; set other libpq settings on the server',
      });
  }
  const mode = url.searchParams.get('sslmode');
  const rootcert = url.searchParams.get('sslrootcert') ?? undefined;
  if (mode === null) {
    if (rootcert !== undefined)
      throw new ConfigError(`${what}: sslrootcert without sslmode`, { hint: 'add sslmode=verify-full' });
    return undefined;
  }
  if (!(sslModes as readonly string[]).includes(mode))
    throw new ConfigError(`${what}: sslmode=${mode} is not supported: use one of ${sslModes.join(', ')}`, {
      hint: 'prefer and allow fall back to plain text silently; say require (or verify-full) for TLS, disable for none',
    });
  const sslmode = mode as SslMode;
  if ((sslmode === 'verify-ca' || sslmode === 'verify-full') && rootcert === undefined)
    throw new ConfigError(`${what}: sslmode=${sslmode} needs sslrootcert (the CA's certificate, PEM)`);
  if (rootcert !== undefined && !isAbsolute(rootcert))
    throw new ConfigError(`${what}: sslrootcert must be an absolute path, got ${rootcert}`, {
      hint: 'the proxy and new read it too, from their own working directory',
    });
  return { sslmode, ...(rootcert === undefined ? {} : { sslrootcert: rootcert }) };
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
  const tls = parseTls(url, what);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    user,
    password,
    database,
    ...(tls ? { tls } : {}),
  };
}

/** A libpq URI without the password (credentials go to the pgpass file). */
export function formatDsn(endpoint: Endpoint, database = endpoint.database): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  const query = new URLSearchParams(tlsConninfo(endpoint)).toString();
  return `postgresql://${encodeURIComponent(endpoint.user)}@${host}:${endpoint.port}/${encodeURIComponent(database)}${query ? `?${query}` : ''}`;
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
