import type pg from 'pg';
import { loadConfig } from '../harness/config/load-config.ts';
import { shardTables } from '../harness/config/topology-layout.ts';
import { connect } from '../harness/db/connect.ts';
import { ignoreEvents } from '../harness/events.ts';
import { compareTables } from '../harness/parity/compare-tables.ts';
import { type TableColumn, tableColumns, valueHash } from '../harness/parity/row-signature.ts';
import { snapshotShards } from '../harness/seed/snapshot.ts';
import { startTopology } from '../harness/topology/start-topology.ts';
import { median } from './pgbench.ts';

const logRows = 200_000;

/**
 * Goal (issue 34): parity of the moved shard at the `default` profile's size costs at most
 * 1.15x reading every value of the same tables on both sides (count(last column): every row
 * taken apart, nothing hashed), in the same run (alternated, medians); issue 17's 1.5x
 * count(*) is printed beside it.
 * Both sides are read at once in both, as parity inside the freeze does; the two copies
 * are db23 and its snapshot db23_seeded on old (two server processes, as old and new are).
 */
export async function parityBench(options: { rounds: number }): Promise<void> {
  const { config } = await loadConfig({
    flags: { seeding: { profile: 'default', others: { userinfoRows: 1000, tblSmallRows: 500 } } },
  });
  await using topology = await startTopology({ config, events: ignoreEvents });
  const old = topology.nodes.old.endpoint;
  const open = (database: string) => connect({ ...old, database }, database, config);
  const seeded = await open('db23');
  await seeded.query(
    `insert into digoal.login_log (userid, db_user, client_addr, client_port, server_addr, server_port, login_time)
     select 23 + (i % 1000000) * 32, 'digoal', '10.0.0.1', 5000 + i % 1000, '10.0.0.2', 5432, timestamp '2026-01-01' + i * interval '1 ms'
       from generate_series(1, ${logRows}) i`,
  );
  await seeded.query('vacuum analyze');
  await seeded.end();
  await snapshotShards(topology.nodes, config, topology.runId, [23]);
  const tables = shardTables;
  const a = await open('db23_seeded');
  const b = await open('db23');
  try {
    const sizes = await a.query<{ t: string; n: number }>(
      tables.map((t) => `select '${t}' as t, count(*)::int as n from digoal.${t}`).join(' union all '),
    );
    console.log(
      `parity: ${sizes.rows.map((r) => `${r.t} ${r.n}`).join(', ')} rows on each side, provider ${topology.provider}`,
    );
    const timed = async (fn: () => Promise<unknown>) => {
      const started = performance.now();
      await fn();
      return performance.now() - started;
    };
    // Each table on both sides at once, one after the other, as parity reads them.
    const eachTableBothSides = (sqlFor: (table: string) => string) => async () => {
      for (const t of tables) await Promise.all([a, b].map((c: pg.Client) => c.query(sqlFor(t))));
    };
    // count(*) both ways, the server's parallel workers and none: the reference is the
    // faster of the two, whichever this host favours, so that parity is never measured
    // against a slow count.
    const countBoth = (workers: 'server' | 'none') =>
      eachTableBothSides(
        (t) =>
          `${workers === 'none' ? 'set max_parallel_workers_per_gather = 0' : 'reset max_parallel_workers_per_gather'}; select count(*) from digoal.${t}`,
      );
    // The least any row-by-row comparison pays: one column read from every row (count(*)
    // reads no column at all), nothing hashed.
    const oneColumnBoth = eachTableBothSides(
      (t) => `set max_parallel_workers_per_gather = 0; select count(userid) from digoal.${t}`,
    );
    const columns = new Map<string, TableColumn[]>();
    for (const t of tables) columns.set(t, await tableColumns(a, `digoal.${t}`));
    // The least a comparison of every value pays: each row taken apart up to its last
    // column (count(*) takes none apart), nothing hashed.
    const everyColumnBoth = eachTableBothSides(
      (t) =>
        `set max_parallel_workers_per_gather = 0; select count(${columns.get(t)?.at(-1)?.name ?? 'userid'}) from digoal.${t}`,
    );
    // The least any comparison that hashes every value pays: each value through its type's
    // own hash function once, one sum per column, nothing combined into a row's hash.
    const everyValueHashedBoth = eachTableBothSides(
      (t) =>
        `set max_parallel_workers_per_gather = 0; select ${(columns.get(t) ?? []).map((c, i) => `sum(${valueHash(c, i + 1)})`).join(', ')} from digoal.${t}`,
    );
    const parity = async () => {
      const report = await compareTables(a, b, tables, 'fast');
      if (!report.passed) throw new Error('identical copies reported as different');
    };
    await countBoth('server')();
    const countsServer: number[] = [];
    const countsNone: number[] = [];
    const oneColumn: number[] = [];
    const everyColumn: number[] = [];
    const everyValueHashed: number[] = [];
    const parities: number[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      // Alternated: each round starts with a different one of the six.
      const steps: Array<[number[], () => Promise<unknown>]> = [
        [countsServer, countBoth('server')],
        [countsNone, countBoth('none')],
        [oneColumn, oneColumnBoth],
        [everyColumn, everyColumnBoth],
        [everyValueHashed, everyValueHashedBoth],
        [parities, parity],
      ];
      for (let i = 0; i < steps.length; i++) {
        const [into, fn] = steps[(i + round) % steps.length] as [number[], () => Promise<unknown>];
        into.push(await timed(fn));
      }
      console.log(
        `  round ${round}: count(*) both sides ${Math.round(countsServer.at(-1) ?? 0)} ms (server's parallel workers), ${Math.round(countsNone.at(-1) ?? 0)} ms (none); one column ${Math.round(oneColumn.at(-1) ?? 0)} ms, every column ${Math.round(everyColumn.at(-1) ?? 0)} ms, every value hashed ${Math.round(everyValueHashed.at(-1) ?? 0)} ms; parity ${Math.round(parities.at(-1) ?? 0)} ms`,
      );
    }
    const counts = median(countsServer) <= median(countsNone) ? countsServer : countsNone;
    // What parity cost before (issue 17): the rows of each range as text, sorted and
    // concatenated into one md5, per 500k userids. One round: it is the slow side by far.
    const legacy = await timed(async () => {
      for (const t of tables) {
        const width = t === 'tbl_small' ? 8000 : 500_000;
        await Promise.all(
          [a, b].map((c: pg.Client) =>
            c.query(
              `select (userid / ${width})::int, count(*), md5(string_agg(t::text, E'\\n' order by t::text)) from digoal.${t} t group by 1`,
            ),
          ),
        );
      }
    });
    console.log(
      `  the text-and-md5 parity it replaced: ${Math.round(legacy)} ms (${(legacy / median(counts)).toFixed(1)}x count(*))`,
    );
    const ratio = median(parities) / median(counts);
    const overFloor = median(parities) / median(everyColumn);
    console.log(
      `  median count(*) ${Math.round(median(counts))} ms (the faster way: ${counts === countsServer ? "the server's parallel workers" : 'no parallel workers'}; the other ${Math.round(median(counts === countsServer ? countsNone : countsServer))} ms), one column ${Math.round(median(oneColumn))} ms (${(median(oneColumn) / median(counts)).toFixed(2)}x), every column ${Math.round(median(everyColumn))} ms (${(median(everyColumn) / median(counts)).toFixed(2)}x: the floor of any comparison of every value), parity ${Math.round(median(parities))} ms`,
    );
    const overHashed = median(parities) / median(everyValueHashed);
    console.log(
      `  every value hashed ${Math.round(median(everyValueHashed))} ms (${(median(everyValueHashed) / median(everyColumn)).toFixed(2)}x every column's read: what hashing each value once costs, the floor of any comparison by hashes)`,
    );
    console.log(
      `  ratio parity/count(last column) ${overFloor.toFixed(2)} (goal <= 1.15: ${overFloor <= 1.15 ? 'met' : 'NOT met'}); parity/every value hashed ${overHashed.toFixed(2)} (what combining the values into one hash per row adds); parity/count(*) ${ratio.toFixed(2)} against the faster count(*) (issue 17's goal <= 1.5: ${ratio <= 1.5 ? 'met' : 'NOT met'}), ${(median(parities) / median(countsServer)).toFixed(2)} against count(*) with the server's parallel workers`,
    );
  } finally {
    await a.end();
    await b.end();
  }
}
