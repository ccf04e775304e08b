import type { MigrationStrategy } from '../../config/config-types.ts';
import { onNode } from '../../db/node-session.ts';
import { go, noGo, type ReadinessInput, type ReadinessItem } from '../readiness.ts';

interface NewSide {
  superuser: boolean;
  createdb: boolean;
  /** postgres_fdw in template1 (so in every database the role creates) and usable by it. */
  fdw_usable: boolean;
}

/** How each strategy does without a superuser, said beside a go so nobody has to guess. */
const withoutSuperuser: Record<MigrationStrategy, string> = {
  seed: 'seed: matviews over postgres_fdw, refreshed, dropped and copied again, as the article did without one',
  matview:
    "matview: done without the catalog edit the article's intended path needs, by a local insert-select per matview and a rename",
  copy: 'copy: COPY streamed through the harness; no extension, no catalog edit',
  logical: 'logical: publication and subscription (see replication capacity)',
};

/**
 * What the move does on new that a managed service's role may not: CREATE DATABASE, and for
 * the strategies that read old through postgres_fdw, an FDW the role may use in the database
 * it creates. A superuser may do both (and install the extension itself).
 */
export async function strategyPrivileges(input: ReadinessInput): Promise<ReadinessItem> {
  const cause = 'privileges';
  const fresh = await onNode(input.sessions, 'new', 'template1', async (c) => {
    const { rows } = await c.query<NewSide>(
      `select r.rolsuper as superuser, r.rolcreatedb as createdb,
              exists (select 1 from pg_foreign_data_wrapper w where w.fdwname = 'postgres_fdw'
                        and has_foreign_data_wrapper_privilege(w.oid, 'USAGE')) as fdw_usable
         from pg_roles r where r.rolname = current_user`,
    );
    return rows[0] as NewSide;
  });
  const who = fresh.superuser ? 'a superuser' : 'no superuser';
  const reasons: string[] = [];
  if (!fresh.superuser && !fresh.createdb)
    reasons.push(`new: the harness's role may not CREATE DATABASE (grant it CREATEDB)`);
  if (input.strategy !== 'logical' && !fresh.superuser && !fresh.fdw_usable)
    reasons.push(
      `new: ${input.strategy} reads old through postgres_fdw, which is not in new's template1 with USAGE for the harness's role, and only a superuser may install it (an admin: create extension postgres_fdw in template1; grant usage on foreign data wrapper postgres_fdw)`,
    );
  return reasons.length
    ? noGo(cause, `the harness's role on new is ${who}`, reasons)
    : go(
        cause,
        `the harness's role on new is ${who}${fresh.superuser ? '' : `: ${withoutSuperuser[input.strategy]}`}`,
      );
}
