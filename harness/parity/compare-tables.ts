import type pg from 'pg';
import type { ShardTable } from '../config/topology-layout.ts';

/** Width of the userid ranges hashed as one unit; a mismatch is then localised row by row. */
const rangeWidth: Readonly<Record<ParityTable, number>> = {
  userinfo: 500_000,
  session: 500_000,
  tbl_small: 8_000,
  login_log: 500_000,
};

/** A shard table, compared by userid ranges. */
export type ParityTable = ShardTable;

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
}

export interface ParityReport {
  passed: boolean;
  tables: TableParity[];
  /** Up to 10 differing rows, by primary key (userid). */
  differences: RowDifference[];
}

async function rangeHashes(
  client: pg.Client,
  table: ParityTable,
): Promise<Map<number, { n: number; h: string }>> {
  const { rows } = await client.query<{ range: number; n: number; h: string }>(
    `select (userid / $1)::int as range, count(*)::int as n, md5(string_agg(t::text, E'\\n' order by t::text)) as h
       from digoal.${table} t group by 1`,
    [rangeWidth[table]],
  );
  return new Map(rows.map((r) => [r.range, { n: r.n, h: r.h }]));
}

async function rowsInRange(
  client: pg.Client,
  table: ParityTable,
  range: number,
): Promise<Map<string, string>> {
  const { rows } = await client.query<{ userid: number; row: string }>(
    `select userid, t::text as row from digoal.${table} t where (userid / $1)::int = $2 order by t::text`,
    [rangeWidth[table], range],
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
 * freeze must (every second of it is write outage); `gentle` one side at a time and without
 * parallel workers, for a parity after the switch, so that the load keeps a core.
 */
export type ParityPace = 'fast' | 'gentle';

/**
 * Compares tables between old (frozen) and new: row counts and a content hash per userid
 * range; for each range that differs, the rows themselves, to name the keys that differ.
 */
export async function compareTables(
  oldDb: pg.Client,
  newDb: pg.Client,
  tables: readonly ParityTable[],
  pace: ParityPace = 'fast',
): Promise<ParityReport> {
  const report: ParityReport = { passed: true, tables: [], differences: [] };
  if (pace === 'gentle') {
    for (const db of [oldDb, newDb]) await db.query('set max_parallel_workers_per_gather = 0');
  }
  const both = <T>(f: (db: pg.Client) => Promise<T>): Promise<[T, T]> =>
    pace === 'fast'
      ? Promise.all([f(oldDb), f(newDb)])
      : f(oldDb).then(async (a) => [a, await f(newDb)] as [T, T]);
  for (const table of tables) {
    const [a, b] = await both((db) => rangeHashes(db, table));
    const ranges = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
    const mismatched = ranges.filter((r) => a.get(r)?.h !== b.get(r)?.h || a.get(r)?.n !== b.get(r)?.n);
    const count = (m: Map<number, { n: number }>) => [...m.values()].reduce((n, v) => n + v.n, 0);
    report.tables.push({
      table,
      oldRows: count(a),
      newRows: count(b),
      ranges: ranges.length,
      mismatchedRanges: mismatched,
    });
    if (mismatched.length > 0) report.passed = false;
    for (const range of mismatched) {
      if (report.differences.length >= 10) break;
      const [oldRows, newRows] = await both((db) => rowsInRange(db, table, range));
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
