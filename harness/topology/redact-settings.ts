import { redactDsn } from '../config/dsn.ts';

/** Shell commands the server runs: any of them may carry a password (PGPASSWORD=, a URI). */
const commandSetting = /_command$/;
/** libpq connection strings: keep where they lead, drop the password. */
const conninfoSetting = /conninfo$/;

/**
 * A recorded server setting as it may be written to run.json and state.json: what can hold a
 * password never is. Commands go whole (their syntax is the user's), connection strings
 * lose their password, and any other setting named after a secret is withheld.
 */
export function redactSetting(name: string, value: string): string {
  if (value === '') return value;
  if (commandSetting.test(name)) return '[redacted: a command may hold a password]';
  if (conninfoSetting.test(name)) return redactConninfo(value);
  // password_encryption names a hashing method (md5, scram-sha-256), never a secret.
  if (/password|passphrase|secret/i.test(name) && name !== 'password_encryption') return '[redacted]';
  return value;
}

export function redactConninfo(conninfo: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(conninfo.trim())) return redactDsn(conninfo.trim());
  // key=value pairs; a value is bare or single-quoted with \' and \\ escapes.
  return conninfo.replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1[redacted]');
}
