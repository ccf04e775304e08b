import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../harness/db/connect.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { ackedCounts } from '../../harness/load/ledger.ts';
import { startLoad } from '../../harness/load/run-load.ts';
import { failedTotal, sumPartitions } from '../../harness/load/samples.ts';
import type { LoadGroup } from '../../harness/load/scripts.ts';
import { setPartitionTarget } from '../../harness/migrate/partition-target.ts';
import { SecondFeed } from '../../harness/rehearsal/second-feed.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { epochNow } from '../../harness/util/epoch-clock.ts';
import { waitFor } from '../../harness/util/poll.ts';
import { runCli, startCli } from '../support/cli.ts';
import { testConfig } from '../support/config.ts';
import { testProviders } from '../support/providers.ts';
import { query } from '../support/sql.ts';

const provider = testProviders()[0] ?? 'local';
// pgbench 15's -P line, as printed by pgbench itself.
const pgbenchProgress = /^progress: \d+\.\d s, \d+\.\d tps, lat \d+\.\d{3} ms stddev \d+\.\d{3}, \d+ failed$/;

it('gives up reconnecting after a minute when -t bounds the run and the proxy never answers', async () => {
  const run = await runCli([
    'load',
    '-t',
    '10',
    '-c',
    '1',
    '--target',
    'postgresql://digoal@127.0.0.1:1/proxy',
  ]);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(
    /no connection to the proxy for 60 s \(last: connect ECONNREFUSED 127\.0\.0\.1:1\); giving up/,
  );
  expect(run.stderr).not.toMatch(/unexpected error/);
});

describe(`the load generator against a real topology (${provider})`, () => {
  let topology: StartedTopology;
  const proxyTarget = () => ({ ...topology.nodes.proxy.endpoint, database: 'proxy' });
  const insertLog = (clients: number): LoadGroup[] => [
    { name: 'w', clients, scripts: [{ name: 'insert_log', weight: 1 }] },
  ];

  beforeAll(async () => {
    topology = await startTopology({
      config: await testConfig(provider),
      events: ignoreEvents,
    });
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it("prints progress in pgbench's -P format, as pgbench does for the same script", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'shardmove-test-load-'));
    try {
      const e = topology.nodes.proxy.endpoint;
      const dsn = `postgresql://${e.user}:${encodeURIComponent(e.password?.reveal() ?? '')}@${e.host}:${e.port}/proxy`;
      const run = await runCli([
        'load',
        '-c',
        '4',
        '-T',
        '4',
        '-P',
        '1',
        '--target',
        dsn,
        '--state-dir',
        stateDir,
      ]);
      expect(run.code).toBe(0);
      const lines = run.stderr.split('\n').filter((l) => l.startsWith('progress:'));
      for (const line of lines) expect(line).toMatch(pgbenchProgress);
      // One line per second of the run, as pgbench prints: none for the calls still in
      // flight at the end, and the last second with its calls (it once printed 0 tps, its
      // calls arriving with the threads' final reports, after its line).
      expect(lines.map((l) => l.split(',')[0])).toEqual([1, 2, 3, 4].map((t) => `progress: ${t}.0 s`));
      const perSecond = lines.map((l) => Number(/, ([\d.]+) tps/.exec(l)?.[1]));
      expect(perSecond.at(-1)).toBeGreaterThan(0);
      const processed = Number(/actually processed: (\d+)/.exec(run.stdout)?.[1]);
      expect(processed).toBeGreaterThan(0);
      const printed = perSecond.reduce((a, b) => a + b, 0);
      expect(printed).toBeLessThanOrEqual(processed);
      expect(printed).toBeGreaterThanOrEqual(processed - 4);
      expect(run.stdout).not.toContain(e.password?.reveal() ?? 'never');
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('counts per partition that sum to the total, and a ledger login_log agrees with', async () => {
    const before = await query<{ n: string }>(
      topology.nodes.old.endpoint,
      'db23',
      'select count(*) n from digoal.login_log',
    );
    const result = await startLoad({
      target: proxyTarget(),
      partitions: 32,
      groups: insertLog(4),
      transactionsPerClient: 300,
    }).done;
    expect(result.totals.ok).toBe(1200);
    const perPartition = result.seconds.reduce((n, s) => n + sumPartitions(s, () => true).ok, 0);
    expect(perPartition).toBe(1200);
    expect(result.ledger.reduce((n, p) => n + p.ackedIds.length, 0)).toBe(1200);
    for (const [partition, p] of result.ledger.entries())
      for (const id of p.ackedIds) expect(id & 31).toBe(partition);
    const after = await query<{ n: string }>(
      topology.nodes.old.endpoint,
      'db23',
      'select count(*) n from digoal.login_log',
    );
    expect(Number(after[0]?.n) - Number(before[0]?.n)).toBe(result.ledger[23]?.ackedIds.length);
    expect(result.latency.overall.count).toBe(1200);
    expect(result.latency.overall.p99Millis).toBeGreaterThanOrEqual(result.latency.overall.p50Millis);
  });

  it('keeps every client running when p23 turns read-only: 25006 on p23 only, the other 31 keep succeeding', async () => {
    const proxy = await connect(proxyTarget(), 'proxy', { connectTimeoutMillis: 10_000 });
    try {
      // Primed, so the freeze is what the clients meet, not their first connections; each
      // ALTER SERVER still makes every proxy backend reconnect, which takes as long as this
      // host takes: the test waits on what the load reports instead of fixed sleeps.
      // A call waits out a storm rather than timing out: on a slow host one outlasts 10 s.
      const run = startLoad({
        target: proxyTarget(),
        partitions: 32,
        groups: insertLog(6),
        prime: true,
        callTimeoutMillis: 120_000,
      });
      const feed = new SecondFeed(run);
      expect(await feed.until(() => feed.primed() >= 6, Date.now() + 120_000)).toBe(true);
      await feed.next(1);
      const frozenFrom = feed.count;
      await setPartitionTarget(proxy, 'rds_pg_cluster', 23, topology.nodes.old, true);
      // Frozen until the load reports rejections on p23: the ALTER SERVER's reconnection
      // storm can outlast any fixed freeze on a host where connections are dear.
      const p23Rejected = () =>
        feed.seconds(frozenFrom).some((s) => (s.partitions[23]?.failed.read_only ?? 0) > 0);
      expect(await feed.until(p23Rejected, Date.now() + 120_000)).toBe(true);
      await feed.next(1);
      await setPartitionTarget(proxy, 'rds_pg_cluster', 23, topology.nodes.old, false);
      const unfrozenFrom = feed.count + 1;
      const p23Again = () => feed.seconds(unfrozenFrom).some((s) => (s.partitions[23]?.ok ?? 0) > 0);
      const othersAgain = () =>
        feed.seconds(unfrozenFrom).some((s) => sumPartitions(s, (p) => p !== 23).ok > 0);
      expect(await feed.until(() => p23Again() && othersAgain(), Date.now() + 120_000)).toBe(true);
      const result = await run.stop();
      const rejected = result.seconds.map((s) => s.partitions.map((p) => p.failed.read_only));
      for (const perPartition of rejected) {
        perPartition.forEach((n, partition) => {
          if (partition !== 23) expect(n).toBe(0);
        });
      }
      expect(result.totals.failed.read_only).toBeGreaterThan(0);
      expect(result.seconds.reduce((n, s) => n + (s.partitions[23]?.failed.read_only ?? 0), 0)).toBe(
        result.totals.failed.read_only,
      );
      expect(result.totals.failed.other + result.totals.failed.connection + result.totals.indeterminate).toBe(
        0,
      );
      // The other partitions kept succeeding before the freeze and after it; p23 accepted writes again after the unfreeze.
      expect(result.seconds.slice(0, frozenFrom).some((s) => sumPartitions(s, (p) => p !== 23).ok > 0)).toBe(
        true,
      );
      const lastRejection = Math.max(...(result.ledger[23]?.rejectedAt ?? []));
      expect(result.ledger[23]?.ackedAt.some((t) => t > lastRejection)).toBe(true);
    } finally {
      await proxy.end();
    }
  });

  it('survives its connections being killed mid-run: reconnects counted, clients go on', async () => {
    const proxy = await connect(proxyTarget(), 'proxy', { connectTimeoutMillis: 10_000 });
    // Long enough for a slow or busy host; stopped as soon as what is asserted has happened.
    const run = startLoad({
      target: proxyTarget(),
      partitions: 32,
      groups: insertLog(6),
      durationSeconds: 120,
    });
    try {
      const feed = new SecondFeed(run);
      // Every client connected and calling, however long connecting takes on this host.
      const clients = () =>
        proxy.query<{ n: string }>(
          `select count(*) n from pg_stat_activity where application_name = 'shardmove-load'`,
        );
      await waitFor(
        '6 load clients on the proxy',
        async () => Number((await clients()).rows[0]?.n) === 6,
        60_000,
        100,
      );
      await feed.until(() => feed.okSeries().some((n) => n > 0), epochNow() + 60_000);
      const killed = await proxy.query<{ n: string }>(
        `select count(pg_terminate_backend(pid)) n from pg_stat_activity where application_name = 'shardmove-load'`,
      );
      expect(Number(killed.rows[0]?.n)).toBe(6);
      const killedIn = feed.count;
      // The clients go on: two whole seconds after the kill with calls answered.
      const wentOn = await feed.until(
        () =>
          feed
            .okSeries()
            .slice(killedIn + 1)
            .filter((n) => n > 0).length >= 2,
        epochNow() + 60_000,
      );
      const result = await run.stop();
      expect(wentOn, JSON.stringify(result.errors.samples)).toBe(true);
      expect(result.totals.reconnects).toBeGreaterThanOrEqual(6);
      expect(result.totals.failed.other).toBe(0);
      // A write cut off mid-call is indeterminate, never counted as acknowledged.
      const acked = result.ledger.reduce((n, p) => n + p.ackedIds.length, 0);
      expect(acked).toBe(result.totals.ok);
      expect(failedTotal(result.totals)).toBe(result.totals.failed.connection + result.totals.indeterminate);
    } finally {
      await run.stop();
      await proxy.end();
    }
  });

  it("also survives the data node dropping the proxy's connections to db23", async () => {
    const run = startLoad({
      target: proxyTarget(),
      partitions: 32,
      groups: insertLog(6),
      durationSeconds: 120,
    });
    try {
      const feed = new SecondFeed(run);
      const p23Answered = (from: number) => feed.seconds(from).some((s) => (s.partitions[23]?.ok ?? 0) > 0);
      await feed.until(() => p23Answered(0), epochNow() + 60_000);
      const killed = await query<{ n: string }>(
        topology.nodes.old.endpoint,
        'postgres',
        `select count(pg_terminate_backend(pid)) n from pg_stat_activity where datname = 'db23'`,
      );
      expect(Number(killed[0]?.n)).toBeGreaterThan(0);
      const killedIn = feed.count;
      // p23 accepts writes again once the proxy has reconnected to db23.
      const answeredAgain = await feed.until(() => p23Answered(killedIn + 1), epochNow() + 60_000);
      const result = await run.stop();
      const errors = JSON.stringify(result.errors.samples);
      expect(answeredAgain, errors).toBe(true);
      expect(result.totals.failed.other, errors).toBe(0);
      const ledger23 = result.ledger[23];
      expect(ledger23 && ackedCounts(ledger23).size).toBeGreaterThan(0);
    } finally {
      await run.stop();
    }
  });

  it('primes every client, then runs open loop at a set rate with lag measured from the schedule', async () => {
    // Primed first, so the rate is measured once each proxy backend holds its 32 partition
    // connections, however long opening them takes on this host.
    const load = startLoad({
      target: proxyTarget(),
      partitions: 32,
      groups: insertLog(4),
      ratePerSecond: 200,
      prime: true,
    });
    const feed = new SecondFeed(load);
    expect(await feed.until(() => feed.primed() >= 4, Date.now() + 120_000)).toBe(true);
    const from = feed.count;
    await feed.next(3);
    const result = await load.stop();
    const measured = result.seconds.filter((s) => s.second >= from && s.second < from + 3);
    const ok = measured.reduce((n, s) => n + sumPartitions(s, () => true).ok, 0);
    expect(ok).toBeGreaterThan(400);
    expect(ok).toBeLessThan(800);
    expect(measured.some((s) => s.lag.n > 0)).toBe(true);
    // Priming calls are not measured: nothing before the first primed second was recorded as a call.
    expect(result.seconds.reduce((n, s) => n + s.primed, 0)).toBe(4);
  });

  it('stops a load on Ctrl-C with its summary and aggregate log written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shardmove-test-load-int-'));
    try {
      const e = topology.nodes.proxy.endpoint;
      const dsn = `postgresql://${e.user}:${encodeURIComponent(e.password?.reveal() ?? '')}@${e.host}:${e.port}/proxy`;
      const log = join(dir, 'agg.log');
      const { child, done } = startCli(
        [
          'load',
          '-c',
          '2',
          '-T',
          '120',
          '-P',
          '1',
          '--aggregate-interval',
          '1',
          '--log-file',
          log,
          '--target',
          dsn,
        ],
        {},
      );
      // Two seconds of calls behind it (its -P lines say so), however long connecting takes
      // on this host; the aggregate log is written out as the load stops.
      let progress = '';
      child.stderr?.on('data', (d: Buffer) => {
        progress += d.toString();
      });
      const answered = () =>
        [...progress.matchAll(/^progress: [\d.]+ s, ([\d.]+) tps/gm)].filter((m) => Number(m[1]) > 0).length;
      await waitFor('two -P progress lines', async () => answered() >= 2, 60_000, 100);
      child.kill('SIGINT');
      const run = await done;
      expect(run.code).toBe(130);
      expect(run.stdout).toMatch(/^number of transactions actually processed: \d+$/m);
      expect((await readFile(log, 'utf8')).trim().split('\n').length).toBeGreaterThanOrEqual(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
