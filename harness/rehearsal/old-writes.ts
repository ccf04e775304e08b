import type pg from 'pg';
import type { OldWrites } from '../verify/stale-route.ts';

const xidSpace = 4294967296;

/**
 * Every table of the shard, scanned for rows whose xmin is at or after `sinceXid` in the
 * 32-bit circular order of transaction ids. A write that reached old after the switch leaves
 * such a row whatever session it came through, even one the route watch never sampled;
 * a write rejected by the freeze leaves none (its row, if any, is dead and not seen).
 * `only`: a parent's scan would count its children's rows again.
 */
export async function writesSince(
  client: pg.Client,
  sinceXid: number,
  deletedAtSwitch: number,
): Promise<OldWrites> {
  const { rows: tables } = await client.query<{ name: string }>(
    `select format('%I.%I', schemaname, relname) as name from pg_stat_user_tables order by 1`,
  );
  const rowsByTable: Record<string, number> = {};
  for (const { name } of tables) {
    const { rows } = await client.query<{ n: string }>(
      `select count(*) as n from only ${name}
        where xmin::text::bigint >= 3
          and ((xmin::text::bigint - $1) % ${xidSpace} + ${xidSpace}) % ${xidSpace} < ${xidSpace / 2}`,
      [sinceXid % xidSpace],
    );
    const n = Number(rows[0]?.n ?? 0);
    if (n > 0) rowsByTable[name] = n;
  }
  return { sinceXid, rowsByTable, deletedRows: (await deletedRows(client)) - deletedAtSwitch };
}

/** Rows deleted in this database's tables so far, by its statistics: a scalar subquery. */
export const deletedRowsSql = '(select coalesce(sum(n_tup_del), 0) from pg_stat_user_tables)::bigint';

async function deletedRows(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(`select ${deletedRowsSql} as n`);
  return Number(rows[0]?.n ?? 0);
}
