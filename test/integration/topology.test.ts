import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topologyLayout } from '../../harness/config/topology-layout.ts';
import { withClient } from '../../harness/db/connect.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { exec } from '../support/cli.ts';
import { testConfig } from '../support/config.ts';
import { cpuCgroupsOf } from '../support/cpu-cgroups.ts';
import { testProviders } from '../support/providers.ts';
import { query } from '../support/sql.ts';

const markerValue = 'not-on-any-command-line-33';

describe.each(testProviders())('the seed topology on the %s provider', (provider) => {
  let topology: StartedTopology;
  const proxy = () => topology.nodes.proxy.endpoint;
  const proxyDb = () => topology.config.topology.proxyDatabase;

  beforeAll(async () => {
    topology = await startTopology({
      config: await testConfig(provider, {
        seeding: { profile: 'none' },
        // A scenario's setting that must reach the server and no command line (issue 33, item 11).
        server: { backend: { 'shardmove_test.marker': markerValue } },
      }),
      events: ignoreEvents,
    });
    // The routing check needs userinfo rows for ids 0..63. Each shard inserts its own,
    // recognising itself by application_name, through the proxy's run-on-all dy_ddl.
    await query(
      proxy(),
      proxyDb(),
      `select dy_ddl($$insert into digoal.userinfo (userid)
                       select id from generate_series(0, 63) id
                        where id & 31 = current_setting('application_name')::int$$)`,
    );
  });

  afterAll(async () => {
    await topology?.stop();
  });

  it('routes query_pk(id) for ids 0..63 to two rows per dbid, the seed pairs N and N+32', async () => {
    const rows = await query<{ dbid: number; userid: number }>(
      proxy(),
      proxyDb(),
      'select (query_pk(id)).* from generate_series(0, 63) id',
    );
    expect(rows).toHaveLength(64);
    const byDbid = new Map<number, number[]>();
    for (const r of rows)
      byDbid.set(
        r.dbid,
        [...(byDbid.get(r.dbid) ?? []), r.userid].sort((a, b) => a - b),
      );
    expect(byDbid.size).toBe(32);
    for (let n = 0; n < 32; n++) expect(byDbid.get(n)).toEqual([n, n + 32]);
  });

  it('runs dy on all 32 partitions, each reaching dbN with application_name N on the right cluster', async () => {
    const rows = await query<{ app: string; db: string; cluster: string }>(
      proxy(),
      proxyDb(),
      `select * from dy($$select current_setting('application_name'), current_database()::text,
                                current_setting('cluster_name')$$) as t(app text, db text, cluster text)`,
    );
    expect(rows).toHaveLength(32);
    const layout = topologyLayout(topology.config.topology);
    for (const r of rows) {
      const n = Number(r.app);
      expect(r.db).toBe(`db${n}`);
      expect(r.cluster).toBe(`shardmove-${topology.runId}-${layout.backendOf(n)}`);
    }
    expect(new Set(rows.map((r) => Number(r.app)))).toEqual(new Set(Array.from({ length: 32 }, (_, i) => i)));
  });

  it("defines rds_pg_cluster with the seed's options and p0..p31 in order", async () => {
    const [server] = await query<{ options: string[] }>(
      proxy(),
      proxyDb(),
      `select srvoptions as options from pg_foreign_server where srvname = 'rds_pg_cluster'`,
    );
    expect(server?.options.slice(0, 2)).toEqual(['connection_lifetime=1800', 'disable_binary=0']);
    const partitions = server?.options.slice(2) ?? [];
    expect(partitions).toHaveLength(32);
    const layout = topologyLayout(topology.config.topology);
    partitions.forEach((option, n) => {
      const node = topology.nodes[layout.backendOf(n)];
      expect(option).toBe(
        `p${n}=host=${node.peerHost} port=${node.peerPort} dbname=db${n} user=digoal ` +
          `keepalives_idle=30 keepalives_interval=10 keepalives_count=10 application_name=${n}`,
      );
    });
    expect(layout.byBackend.old).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);
  });

  it('answers every proxy function, and writes land on the shard that owns the id', async () => {
    const rows = await query<Record<string, unknown>>(
      proxy(),
      proxyDb(),
      `select (select row_to_json(q) from query_pk(23) q) as query_pk,
              (select row_to_json(q) from query_smalltbl(1) q) as query_smalltbl,
              (select row_to_json(q) from query_insert(55) q) as query_insert,
              (select row_to_json(q) from query_update_insert(55) q) as query_update_insert,
              (select count(*) from insert_log(23)) as insert_log,
              (select count(*) from update_pk(23)) as update_pk,
              (select count(*) from dy_ddl('select 1')) as dy_ddl`,
    );
    expect(rows[0]?.query_pk).toEqual({ dbid: 23, userid: 23, info: null });
    expect(rows[0]?.query_insert).toEqual({ dbid: 23, userid: 55, info: null });
    expect(rows[0]?.query_update_insert).toEqual({ dbid: 23, userid: 55, info: null });
    expect(rows[0]?.query_smalltbl).toEqual({ userid: null, info: null });
    expect(rows[0]?.dy_ddl).toBe('32');
    const logged = await query<{ userid: number; db_user: string }>(
      topology.nodes.old.endpoint,
      'db23',
      'select userid, db_user from digoal.login_log order by userid',
    );
    expect(logged).toEqual([
      { userid: 23, db_user: 'digoal' },
      { userid: 55, db_user: 'digoal' },
      { userid: 55, db_user: 'digoal' },
    ]);
  });

  it.runIf(provider === 'containers')(
    "schedules the containers' processes as host processes, the backends forked since included",
    async () => {
      expect(topology.facts.cpuScheduling).toBe('host');
      // One proxy backend with a connection to each of the 32 partitions, held open.
      await withClient(proxy(), proxyDb(), { connectTimeoutMillis: 10_000 }, async (client) => {
        await client.query('select * from dy($$select 1$$) as t(one int)');
        for (const role of ['proxy', 'old', 'new']) {
          const paths = await cpuCgroupsOf(`shardmove-${topology.runId}-${role}`);
          expect(paths.length).toBeGreaterThan(role === 'proxy' ? 5 : 16);
          expect(new Set(paths)).toEqual(new Set(['/']));
        }
      });
    },
  );

  it('records the non-default server settings the topology needs', () => {
    expect(topology.settings.old.wal_level).toBe('logical');
    expect(topology.settings.new.wal_level).toBe('logical');
    expect(Number(topology.settings.proxy.max_connections)).toBeGreaterThanOrEqual(80);
    expect(topology.settings.proxy.cluster_name).toBe(`shardmove-${topology.runId}-proxy`);
  });

  it("applies a scenario's server settings from a file: none is on a command line (ps, docker inspect)", async () => {
    const [shown] = await query<{ v: string }>(
      topology.nodes.old.endpoint,
      'postgres',
      `select current_setting('shardmove_test.marker') v`,
    );
    expect(shown?.v).toBe(markerValue);
    const { stdout: processes } = await exec('ps', ['-eo', 'args']);
    expect(processes).toMatch(/postgres/);
    expect(processes).not.toContain(markerValue);
    expect(processes).not.toContain('wal_level=logical');
    if (provider === 'containers') {
      const { stdout } = await exec('docker', ['inspect', `shardmove-${topology.runId}-old`]);
      expect(stdout).toContain(`cluster_name=shardmove-${topology.runId}-old`);
      expect(stdout).not.toContain(markerValue);
      expect(stdout).not.toContain('wal_level');
    }
  });
});

describe.runIf(testProviders().includes('containers'))(
  'containers with one address per node (network: bridge)',
  () => {
    it("routes every partition through Docker network aliases, and keeps Docker's CPU cgroup when asked", async () => {
      const config = await testConfig('containers', {
        containers: { network: 'bridge', cpuScheduling: 'container' },
        seeding: { profile: 'none' },
      });
      await using topology = await startTopology({ config, events: ignoreEvents });
      expect(topology.facts.cpuScheduling).toBe('container');
      const paths = await cpuCgroupsOf(`shardmove-${topology.runId}-old`);
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) expect(path).toContain('docker');
      expect(topology.nodes.old.peerHost).toBe('old');
      expect(topology.nodes.old.peerPort).toBe(5432);
      const rows = await query<{ db: string }>(
        topology.nodes.proxy.endpoint,
        'proxy',
        'select * from dy($$select current_database()::text$$) as t(db text)',
      );
      expect(rows).toHaveLength(32);
    });
  },
);
