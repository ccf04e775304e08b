import { readFileSync } from 'node:fs';
import { type ConnectionOptions, checkServerIdentity } from 'node:tls';
import type { TlsSettings } from '../config/dsn.ts';
import { ConfigError } from '../errors.ts';

/**
 * node's TLS options for libpq's sslmode: `require` encrypts and checks nothing;
 * `verify-ca` checks the chain to sslrootcert; `verify-full` also the host name (or IP)
 * against the certificate, as libpq does. The host is checked as written: node would
 * otherwise check an IP address against "localhost" (no SNI for an address).
 */
export function tlsConnectionOptions(
  tls: TlsSettings | undefined,
  host: string,
): ConnectionOptions | undefined {
  if (!tls || tls.sslmode === 'disable') return undefined;
  if (tls.sslmode === 'require') return { rejectUnauthorized: false };
  const ca = readRootCert(tls.sslrootcert);
  if (tls.sslmode === 'verify-ca')
    return { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return {
    ca,
    rejectUnauthorized: true,
    checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert),
  };
}

function readRootCert(path: string | undefined): string {
  if (path === undefined) throw new ConfigError('sslmode verify-ca and verify-full need sslrootcert');
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`sslrootcert ${path} cannot be read: ${(error as Error).message}`);
  }
}
