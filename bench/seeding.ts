import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadConfig } from '../harness/config/load-config.ts';
import { connect } from '../harness/db/connect.ts';
import { ignoreEvents } from '../harness/events.ts';
import { copyShard } from '../harness/seed/copy-shard.ts';
import { startTopology } from '../harness/topology/start-topology.ts';
import { median } from './pgbench.ts';

const run = promisify(execFile);
const shard = 23;
const userinfoRows = 1_000_000;
const tblSmallRows = 500_000;
const totalRows = userinfoRows * 2 + tblSmallRows;

/**
 * Goal (issue 3): faker-mode COPY loads the moved shard's 2.5M rows at no less than half
 * the rows/s of the same row counts generated server-side with generate_series, on the
 * same cluster in the same run (alternated, medians). Both skip indexes and commit once.
 */
export async function seedingBench(options: { rounds: number }): Promise<void> {
  const { config } = await loadConfig({ flags: { seeding: { profile: 'none' } } });
  await using topology = await startTopology({ config, events: ignoreEvents });
  const client = await connect({ ...topology.nodes.old.endpoint, database: 'db23' }, 'db23', config);
  try {
    await client.query('set synchronous_commit = off');
    const reset = () =>
      client.query(`alter table digoal.userinfo drop constraint if exists pk_userinfo;
                    alter table digoal.session drop constraint if exists pk_session;
                    alter table digoal.tbl_small drop constraint if exists pk_tbl_small;
                    truncate digoal.userinfo, digoal.session, digoal.tbl_small`);
    const timed = async (fn: () => Promise<unknown>) => {
      await reset();
      const started = performance.now();
      await fn();
      return totalRows / ((performance.now() - started) / 1000);
    };
    const faker = () =>
      copyShard(
        client,
        { shard, userinfoRows, tblSmallRows },
        {
          data: 'faker',
          fakerSeed: config.seeding.fakerSeed,
          partitions: 32,
          onRows: () => {},
        },
      );
    // Server-side rows of comparable width: info is two md5s (64 characters) against faker's ~80.
    const generateSeries = () =>
      client.query(`insert into digoal.userinfo select 23, 23 + i * 32, md5(i::text) || md5((i + 1)::text) from generate_series(0, ${userinfoRows - 1}) i;
                    insert into digoal.session select 23, 23 + i * 32, timestamp '2015-01-01' + i * interval '31 seconds' from generate_series(0, ${userinfoRows - 1}) i;
                    insert into digoal.tbl_small select i, md5(i::text) || md5((i + 1)::text) from generate_series(1, ${tblSmallRows}) i`);
    const fakerRates: number[] = [];
    const seriesRates: number[] = [];
    console.log(
      `seeding: db23 userinfo ${userinfoRows} + session ${userinfoRows} + tbl_small ${tblSmallRows} rows, provider ${topology.provider}`,
    );
    for (let round = 1; round <= options.rounds; round++) {
      fakerRates.push(await timed(faker));
      seriesRates.push(await timed(generateSeries));
      console.log(
        `  round ${round}: faker COPY ${Math.round(fakerRates.at(-1) ?? 0)} rows/s, generate_series ${Math.round(seriesRates.at(-1) ?? 0)} rows/s`,
      );
    }
    const [width] = (
      await client.query<{ info: number }>('select avg(length(info))::int info from digoal.userinfo')
    ).rows;
    await reset();
    await faker();
    const [fakerWidth] = (
      await client.query<{ info: number }>('select avg(length(info))::int info from digoal.userinfo')
    ).rows;
    const ratio = median(fakerRates) / median(seriesRates);
    console.log(`  average info length: faker ${fakerWidth?.info}, generate_series ${width?.info}`);
    console.log(
      `  median faker COPY ${Math.round(median(fakerRates))} rows/s, generate_series ${Math.round(median(seriesRates))} rows/s`,
    );
    console.log(
      `  ratio faker/generate_series ${ratio.toFixed(3)} (goal >= 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'})`,
    );
  } finally {
    await client.end();
  }
}

/** Goal (issue 3): the harness stays under 1 GiB while seeding the full profile (80M rows). */
export async function seedFullMemoryBench(): Promise<void> {
  console.log('seeding the full profile (32 shards x 2.5M rows) with `shardmove up --profile full`');
  const { stdout } = await run(process.execPath, ['bin/shardmove.js', 'up', '--profile', 'full'], {
    env: { ...process.env, CI: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('seeded'));
  const peak = Number(/peak memory (\d+) MiB/.exec(line ?? '')?.[1]);
  console.log(`  ${line?.replace(/^seeded\s+/, '')}`);
  console.log(`  peak harness memory ${peak} MiB (goal < 1024: ${peak < 1024 ? 'met' : 'NOT met'})`);
}
