import type pg from 'pg';

/**
 * Hash functions whose equality is as strict as the type's text form: two values hash alike
 * only if they print alike. Other types (numeric, where 1.0 = 1.00; floats, -0 = 0; json)
 * are hashed by their text, which is slower but never equates what prints differently.
 */
const strictHash: Readonly<Record<string, string>> = {
  smallint: 'hashint2extended',
  integer: 'hashint4extended',
  bigint: 'hashint8extended',
  text: 'hashtextextended',
  'character varying': 'hashtextextended',
  name: 'hashnameextended',
  'timestamp without time zone': 'timestamp_hash_extended',
  'timestamp with time zone': 'timestamp_hash_extended',
  inet: 'hashinetextended',
  uuid: 'uuid_hash_extended',
};

const collated = new Set(['text', 'character varying']);

export interface TableColumn {
  readonly name: string;
  readonly type: string;
}

/** A table's columns in order, as old's catalog has them. */
export async function tableColumns(client: pg.Client, table: string): Promise<TableColumn[]> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `select a.attname as name, format_type(a.atttypid, null) as type
       from pg_attribute a
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
      order by a.attnum`,
    [table],
  );
  return rows;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * One 64-bit hash per row, computed in the server from each column's own hash function
 * (no text form, no sort, no row sent): each column hashed with a seed of its position, so
 * that two columns' values swapped differ; NULL a constant of its own per column, so NULL
 * and '' differ; the columns combined by xor. Summed over rows (as numeric, exactly) it is
 * a multiset signature: row order does not matter, a duplicated row does.
 *
 * The hash functions are the server's; two servers of different architectures may
 * disagree, which can make identical tables look different, never the reverse.
 */
export function rowHashExpression(columns: readonly TableColumn[]): string {
  if (columns.length === 0) return '0::bigint';
  return columns.map((c, i) => `coalesce(${valueHash(c, i + 1)}, ${-(i + 1)}::bigint)`).join(' # ');
}

/** One column's value hashed by its type's own function (NULL for NULL), seeded. */
export function valueHash(column: TableColumn, seed: number): string {
  const fn = strictHash[column.type];
  return fn
    ? `${fn}(${ident(column.name)}${collated.has(column.type) ? ' collate "C"' : ''}, ${seed})`
    : `hashtextextended(${ident(column.name)}::text collate "C", ${seed})`;
}
