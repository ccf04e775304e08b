import type { Endpoint } from '../config/dsn.ts';
import { withClient } from '../db/connect.ts';
import type { Secret } from '../secret.ts';

/**
 * The superuser initdb makes on a managed-like node. It hands the harness's role out and is
 * never used again, as a managed service's own administrator is out of its customer's reach.
 */
export const managedAdminRole = 'shardmove_admin';

/**
 * What a managed service grants its customer's role, as the big ones do (RDS's rds_superuser,
 * Cloud SQL's cloudsqlsuperuser, Azure's azure_pg_admin), less what they add by patching the
 * server: log in, create and own databases, replicate, signal and read others' sessions, and
 * postgres_fdw, installed in template1 by the admin so that every database the role creates
 * has it. Not granted, because no vanilla PostgreSQL 15 can: CREATE SUBSCRIPTION (superuser
 * until 16), catalog edits, untrusted languages.
 */
export async function handOutManagedRole(
  admin: Endpoint,
  user: string,
  password: Secret,
  connectTimeoutMillis: number,
  what: string,
): Promise<void> {
  await withClient(
    admin,
    'postgres',
    { connectTimeoutMillis },
    async (c) => {
      const role = c.escapeIdentifier(user);
      // The statement carries the password: nothing logs statements on these nodes.
      await c.query(
        `create role ${role} login createdb replication password ${c.escapeLiteral(password.reveal())}`,
      );
      await c.query(`grant pg_signal_backend, pg_read_all_stats to ${role}`);
    },
    `${what}: hand out the role`,
  );
  await withClient(
    admin,
    'template1',
    { connectTimeoutMillis },
    async (c) => {
      await c.query('create extension if not exists postgres_fdw');
      await c.query(`grant usage on foreign data wrapper postgres_fdw to ${c.escapeIdentifier(user)}`);
    },
    `${what}: postgres_fdw in template1`,
  );
}
