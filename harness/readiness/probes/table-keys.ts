import { onNode } from '../../db/node-session.ts';
import { go, noGo, type ReadinessInput, type ReadinessItem } from '../readiness.ts';

/**
 * Logical replication sends an update or a delete only with a replica identity (the
 * primary key by default); a published table without one makes old reject them. Tables the
 * proxy only appends to need none. Other strategies copy whole tables and need no key.
 */
export async function tableKeys(input: ReadinessInput): Promise<ReadinessItem> {
  const cause = 'table keys';
  const { rows } = await onNode(input.sessions, 'old', input.database, (c) =>
    c.query<{ table: string; identity: string; keyed: boolean }>(
      `select c.relname as table, c.relreplident::text as identity,
              exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary) as keyed
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'digoal' and c.relkind = 'r' and c.relname = any($1::text[])`,
      [input.tables],
    ),
  );
  const withoutIdentity = rows.filter((r) => r.identity === 'n' || (r.identity === 'd' && !r.keyed));
  const blocking = withoutIdentity.filter((r) => !input.appendOnlyTables.includes(r.table));
  const appendOnly = withoutIdentity.filter((r) => input.appendOnlyTables.includes(r.table));
  const note = appendOnly.length
    ? `; ${appendOnly.map((r) => r.table).join(', ')} without a key (appended to only)`
    : '';
  if (input.strategy !== 'logical') {
    return go(
      cause,
      `${input.strategy} copies whole tables${withoutIdentity.length ? `; without a key: ${withoutIdentity.map((r) => r.table).join(', ')}` : ''}`,
    );
  }
  if (blocking.length) {
    return noGo(
      cause,
      `${blocking.length} table(s) the move publishes have no primary key or replica identity`,
      blocking.map(
        (r) =>
          `digoal.${r.table}: no primary key, replica identity ${r.identity === 'n' ? 'nothing' : 'default'} (add a key, or REPLICA IDENTITY FULL)`,
      ),
    );
  }
  return go(cause, `every published table has a primary key or a replica identity${note}`);
}
