import type { Endpoint } from '../config/dsn.ts';
import { withClient } from '../db/connect.ts';

/**
 * initdb hashes the superuser's password with SCRAM whatever the method, so a node started
 * for md5 stores it again once it runs with password_encryption=md5 (an md5 pg_hba line
 * accepts SCRAM until then). The statement carries the password: nothing logs statements
 * on these nodes.
 */
export async function storePassword(
  endpoint: Endpoint,
  connectTimeoutMillis: number,
  what: string,
): Promise<void> {
  const password = endpoint.password?.reveal();
  if (password === undefined) return;
  await withClient(
    endpoint,
    endpoint.database,
    { connectTimeoutMillis },
    async (c) => {
      await c.query(`alter role ${c.escapeIdentifier(endpoint.user)} password ${c.escapeLiteral(password)}`);
    },
    what,
  );
}
