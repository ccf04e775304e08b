import type pg from 'pg';
import type { LogPolicy } from '../config/config-types.ts';
import { shardTables } from '../config/topology-layout.ts';
import { rowHashExpression, type TableColumn, tableColumns } from './row-signature.ts';

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const columnText = (c: TableColumn) => `${c.name} ${c.type}`;

/**
 * A table of the shard's schema `digoal`: the seed's, or one a case added. Rows are paired
 * by userid where the table has one; a table without it is compared whole.
 */
export type ParityTable = string;

/**
 * The tables of the moved shard as old has them: the seed's four first (login_log only when
 * the log policy moves it), then every other base table of `digoal` a case added. What
 * parity compares, and what its report lists.
 */
export async function shardTablesOf(oldDb: pg.Client, logs: LogPolicy): Promise<ParityTable[]> {
  const { rows } = await oldDb.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'digoal' and c.relkind in ('r', 'p') and not c.relispartition order by 1`,
  );
  const seed: readonly string[] = shardTables;
  const own = rows.map((r) => r.name).filter((t) => !seed.includes(t));
  const standard = shardTables.filter((t) => logs === 'migrate' || t !== 'login_log');
  return [...standard, ...own];
}

export interface RowDifference {
  table: ParityTable;
  userid: number;
  old: string | null;
  new: string | null;
}

export interface TableParity {
  table: ParityTable;
  oldRows: number;
  newRows: number;
  ranges: number;
  mismatchedRanges: number[];
  /** Set when the two sides' columns (name and type, in order) differ: no row was compared. */
  columnsDiffer?: { old: string[]; new: string[] };
}

export interface ParityReport {
  passed: boolean;
  tables: TableParity[];
  /** Up to 10 differing rows, by primary key (userid). */
  differences: RowDifference[];
}

/** Rows per userid range when a table's signatures differ: few enough to read them as text. */
const rowsPerRange = 1000;

interface Signature {
  n: number;
  h: string;
}

/** count(*) and the sum of the row hashes: one read of the table, nothing sent but two numbers. */
async function tableSignature(client: pg.Client, table: ParityTable, rowHash: string): Promise<Signature> {
  const { rows } = await client.query<Signature>(
    `select count(*)::int as n, coalesce(sum(${rowHash}), 0)::text as h from digoal.${ident(table)} t`,
  );
  return rows[0] ?? { n: 0, h: '0' };
}

/** Where the keys lie on one side; ranges are cut from the lowest key of both. */
async function keySpan(client: pg.Client, table: ParityTable): Promise<{ min: number; max: number }> {
  const { rows } = await client.query<{ min: number | null; max: number | null }>(
    `select min(userid) as min, max(userid) as max from digoal.${ident(table)}`,
  );
  return { min: rows[0]?.min ?? 0, max: rows[0]?.max ?? 0 };
}

interface Ranges {
  from: number;
  width: number;
}

/** Signature per userid range; rows without a userid are range -1. */
async function rangeHashes(
  client: pg.Client,
  table: ParityTable,
  rowHash: string,
  { from, width }: Ranges,
): Promise<Map<number, Signature>> {
  const { rows } = await client.query<{ range: number } & Signature>(
    `select coalesce(((userid::bigint - $1) / $2)::int, -1) as range, count(*)::int as n, sum(${rowHash})::text as h
       from digoal.${ident(table)} t group by 1`,
    [from, width],
  );
  return new Map(rows.map((r) => [r.range, { n: r.n, h: r.h }]));
}

async function rowsInRange(
  client: pg.Client,
  table: ParityTable,
  { from, width }: Ranges,
  range: number,
): Promise<Map<string, string>> {
  const where = range < 0 ? 'userid is null' : 'userid >= $1::bigint and userid < $2::bigint';
  const { rows } = await client.query<{ userid: number; row: string }>(
    `select userid, t::text as row from digoal.${ident(table)} t where ${where} order by t::text`,
    range < 0 ? [] : [from + range * width, from + (range + 1) * width],
  );
  // Keyed tables pair rows by userid; login_log has no key, so its rows are told apart by
  // their whole text, with a counter for repeats.
  const out = new Map<string, string>();
  for (const r of rows) {
    let key = table === 'login_log' ? `${r.userid}|${r.row}` : String(r.userid);
    for (let i = 1; out.has(key); i++) key = `${r.userid}|${r.row}|${i}`;
    out.set(key, r.row);
  }
  return out;
}

/**
 * How hard parity may push: `fast` hashes old and new at once, as a parity inside the
 * freeze must (every second of it is write outage); `gentle` one side at a time, for a
 * parity after the switch, so that the load keeps a core. Neither launches parallel
 * workers: a shard's table is a fraction of a second's scan, a worker costs a process
 * (2 to 50 ms on the hosts measured, each), and with both sides at once the cores are busy
 * already; on this 2-core VM workers made parity 1.9x slower (792 against 416 ms).
 */
export type ParityPace = 'fast' | 'gentle';

/**
 * Compares tables between old (frozen) and new: per table, its columns, then count(*) and a
 * signature of every row's content hashed in the server (one read of each side, the cost of
 * a count(*) and a hash per row). Only when they differ: signatures per userid range of about
 * a thousand rows, then the rows of each differing range as text, to name the keys.
 */
export async function compareTables(
  oldDb: pg.Client,
  newDb: pg.Client,
  tables: readonly ParityTable[],
  pace: ParityPace = 'fast',
): Promise<ParityReport> {
  const report: ParityReport = { passed: true, tables: [], differences: [] };
  for (const db of [oldDb, newDb]) await db.query('set max_parallel_workers_per_gather = 0');
  const both = <T>(f: (db: pg.Client) => Promise<T>): Promise<[T, T]> =>
    pace === 'fast'
      ? Promise.all([f(oldDb), f(newDb)])
      : f(oldDb).then(async (a) => [a, await f(newDb)] as [T, T]);
  for (const table of tables) {
    const [oldColumns, newColumns] = await both((db) => tableColumns(db, `digoal.${ident(table)}`));
    if (JSON.stringify(oldColumns) !== JSON.stringify(newColumns)) {
      const [oldCount, newCount] = await both((db) => tableSignature(db, table, '0::bigint'));
      report.passed = false;
      report.tables.push({
        table,
        oldRows: oldCount.n,
        newRows: newCount.n,
        ranges: 1,
        mismatchedRanges: [0],
        columnsDiffer: { old: oldColumns.map(columnText), new: newColumns.map(columnText) },
      });
      continue;
    }
    const rowHash = rowHashExpression(oldColumns);
    const [a, b] = await both((db) => tableSignature(db, table, rowHash));
    if (a.n === b.n && a.h === b.h) {
      report.tables.push({ table, oldRows: a.n, newRows: b.n, ranges: 1, mismatchedRanges: [] });
      continue;
    }
    if (!oldColumns.some((c) => c.name === 'userid')) {
      // Nothing to cut ranges by: the table differs, as a whole.
      report.passed = false;
      report.tables.push({ table, oldRows: a.n, newRows: b.n, ranges: 1, mismatchedRanges: [0] });
      continue;
    }
    // The signatures differ: cut the key space into ranges of about rowsPerRange rows, hash
    // each, and read as text only the rows of ranges that differ.
    report.passed = false;
    const [spanA, spanB] = await both((db) => keySpan(db, table));
    const from = Math.min(spanA.min, spanB.min);
    const keys = Math.max(spanA.max, spanB.max) - from + 1;
    const ranges = { from, width: Math.max(1, Math.ceil((keys * rowsPerRange) / Math.max(a.n, b.n, 1))) };
    const [byRangeA, byRangeB] = await both((db) => rangeHashes(db, table, rowHash, ranges));
    const all = [...new Set([...byRangeA.keys(), ...byRangeB.keys()])].sort((x, y) => x - y);
    const differs = (r: number) =>
      byRangeA.get(r)?.h !== byRangeB.get(r)?.h || byRangeA.get(r)?.n !== byRangeB.get(r)?.n;
    const mismatched = all.filter(differs);
    report.tables.push({
      table,
      oldRows: a.n,
      newRows: b.n,
      ranges: all.length,
      mismatchedRanges: mismatched,
    });
    for (const range of mismatched) {
      if (report.differences.length >= 10) break;
      const [oldRows, newRows] = await both((db) => rowsInRange(db, table, ranges, range));
      for (const key of new Set([...oldRows.keys(), ...newRows.keys()])) {
        if (report.differences.length >= 10) break;
        if (oldRows.get(key) === newRows.get(key)) continue;
        report.differences.push({
          table,
          userid: Number(key.split('|')[0]),
          old: oldRows.get(key) ?? null,
          new: newRows.get(key) ?? null,
        });
      }
    }
  }
  return report;
}
