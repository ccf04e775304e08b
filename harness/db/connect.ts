import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { Endpoint } from '../config/dsn.ts';
import { errorMessage, ShardmoveError } from '../errors.ts';
import { sleep } from '../util/sleep.ts';
import { tlsConnectionOptions } from './tls-options.ts';

export interface ConnectOptions {
  connectTimeoutMillis: number;
  applicationName?: string;
}

/** Turns driver errors into one line that says which node and what to check. */
export function describeConnectError(
  error: unknown,
  endpoint: Endpoint,
  database: string,
  what: string,
): ShardmoveError {
  const code = (error as { code?: string }).code;
  const at = `${what} (${endpoint.user}@${endpoint.host}:${endpoint.port}/${database})`;
  const hints: Record<string, [string, string]> = {
    ECONNREFUSED: [
      `cannot connect to ${at}: connection refused`,
      'is the server running and listening on that port?',
    ],
    ENOTFOUND: [`cannot connect to ${at}: unknown host ${endpoint.host}`, 'check the host name'],
    EHOSTUNREACH: [`cannot connect to ${at}: host unreachable`, 'check the address and the network'],
    ETIMEDOUT: [`cannot connect to ${at}: timed out`, 'check the address, the port and any firewall'],
    '28P01': [
      `cannot connect to ${at}: password authentication failed`,
      'check the password (URI or pgpass file)',
    ],
    '28000': [
      `cannot connect to ${at}: no pg_hba.conf entry or role refused`,
      "check the server's pg_hba.conf and the role",
    ],
    '3D000': [`cannot connect to ${at}: database ${database} does not exist`, 'check the database name'],
    ERR_TLS_CERT_ALTNAME_INVALID: [
      `cannot connect to ${at}: the server's certificate is not for ${endpoint.host} (sslmode=verify-full)`,
      'connect by a name or address the certificate lists, or use sslmode=verify-ca',
    ],
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: [
      `cannot connect to ${at}: the server's certificate does not chain to sslrootcert`,
      'check sslrootcert: it must hold the CA that signed the server certificate',
    ],
    SELF_SIGNED_CERT_IN_CHAIN: [
      `cannot connect to ${at}: the server's certificate chains to a CA sslrootcert does not hold`,
      'check sslrootcert',
    ],
    DEPTH_ZERO_SELF_SIGNED_CERT: [
      `cannot connect to ${at}: the server's certificate is self-signed and not in sslrootcert`,
      'check sslrootcert',
    ],
  };
  const known = code === undefined ? undefined : hints[code];
  if (known) return new ShardmoveError(known[0], { hint: known[1], cause: error });
  const message = errorMessage(error);
  if (/does not support SSL/i.test(message)) {
    return new ShardmoveError(`cannot connect to ${at}: the server does not accept TLS`, {
      hint: 'turn ssl on in its postgresql.conf, or drop sslmode from the URI',
      cause: error,
    });
  }
  if (/timeout/i.test(message)) {
    return new ShardmoveError(`cannot connect to ${at}: timed out`, {
      hint: 'check the address and port',
      cause: error,
    });
  }
  return new ShardmoveError(`cannot connect to ${at}: ${message}`, { cause: error });
}

/** node-postgres's ssl option for the endpoint; none for plain TCP. */
function sslOption(endpoint: Endpoint): { ssl?: ConnectionOptions } {
  const ssl = tlsConnectionOptions(endpoint.tls, endpoint.host);
  return ssl ? { ssl } : {};
}

export async function connect(
  endpoint: Endpoint,
  database: string,
  options: ConnectOptions,
  what = 'server',
): Promise<pg.Client> {
  const client = new pg.Client({
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    database,
    connectionTimeoutMillis: options.connectTimeoutMillis,
    application_name: options.applicationName ?? 'shardmove',
    ...sslOption(endpoint),
    // A function: the driver calls it when the server asks, so the value is never a field of the client.
    ...(endpoint.password ? { password: () => endpoint.password?.reveal() ?? '' } : {}),
  });
  // Errors on an idle connection (server restart) must not crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw describeConnectError(error, endpoint, database, what);
  }
  return client;
}

export async function withClient<T>(
  endpoint: Endpoint,
  database: string,
  options: ConnectOptions,
  fn: (client: pg.Client) => Promise<T>,
  what?: string,
): Promise<T> {
  const client = await connect(endpoint, database, options, what);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Retries connecting until the server accepts connections and answers the probe (a fresh
 * postmaster, container or pooler, whose admin console knows no SELECT); returns its rows.
 */
export async function waitUntilReady(
  endpoint: Endpoint,
  database: string,
  options: ConnectOptions & { timeoutMillis: number; probe?: string },
  what: string,
): Promise<pg.QueryResultRow[]> {
  const deadline = Date.now() + options.timeoutMillis;
  for (;;) {
    try {
      return await withClient(
        endpoint,
        database,
        options,
        async (c) => (await c.query(options.probe ?? 'select 1')).rows,
        what,
      );
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}
