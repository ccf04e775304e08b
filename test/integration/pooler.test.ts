import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardmoveConfig } from '../../harness/config/config-types.ts';
import { loadConfig } from '../../harness/config/load-config.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { migrationContext } from '../../harness/migrate/migration-context.ts';
import { partitionHome } from '../../harness/migrate/partition-target.ts';
import { recoverMigration } from '../../harness/migrate/recover-migration.ts';
import { livePoolerDatabases, poolerAdmin } from '../../harness/provision/pooler-control.ts';
import { type RehearsalResult, rehearse } from '../../harness/rehearsal/run-rehearsal.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { testProviders } from '../support/providers.ts';
import { query } from '../support/sql.ts';

const p23Connstring = async (topology: StartedTopology) =>
  (
    await query<{ p23: string }>(
      topology.nodes.proxy.endpoint,
      'proxy',
      `select o as p23 from pg_foreign_server, unnest(srvoptions) o where srvname = 'rds_pg_cluster' and o like 'p23=%'`,
    )
  )[0]?.p23;

const poolerDatabases = async (topology: StartedTopology) => {
  const pooler = topology.nodes.proxy.pooler;
  if (!pooler) throw new Error('no pooler');
  const admin = await poolerAdmin(pooler, 10_000);
  try {
    return await livePoolerDatabases(admin);
  } finally {
    await admin.end();
  }
};

describe.each(testProviders())('a pooled topology: the logical move through pgbouncer (%s)', (provider) => {
  let topology: StartedTopology;
  let config: ShardmoveConfig;
  let result: RehearsalResult;
  let connstringBefore: string | undefined;
  let poolerBefore: Awaited<ReturnType<typeof poolerDatabases>>;

  beforeAll(async () => {
    ({ config } = await loadConfig({
      scenario: 'logical-db23-pgbouncer',
      flags: { provider, seeding: { profile: 'ci' }, rehearsal: { baselineSeconds: 6, settleSeconds: 7 } },
    }));
    topology = await startTopology({ config, events: ignoreEvents });
    connstringBefore = await p23Connstring(topology);
    poolerBefore = await poolerDatabases(topology);
    result = await rehearse(topology, config, ignoreEvents);
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it('routes every partition through the pooler, which forwards each to its node', () => {
    const pooler = topology.nodes.proxy.pooler;
    expect(connstringBefore).toContain(`host=${pooler?.peerHost} port=${pooler?.peerPort} dbname=db23`);
    expect(poolerBefore).toHaveLength(32);
    const { old } = topology.nodes;
    expect(poolerBefore.find((d) => d.name === 'db23')).toEqual({
      name: 'db23',
      host: old.peerHost,
      port: old.peerPort,
    });
    expect(config.migration.freeze).toBe('table-triggers');
  });

  it("passes every check and the scenario's thresholds: the other partitions never drop, the freeze is under a second", () => {
    const failed = result.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.summary}`);
    expect(failed).toEqual([]);
    expect(result.thresholds.map((t) => t.expression)).toContain('others_min_pct >= 90');
    expect(result.thresholds.filter((t) => !t.passed)).toEqual([]);
    expect(result.verdict).toBe('pass');
    expect(result.freezeWindow.rejections).toBeGreaterThan(0);
    expect(result.freezeWindow.seconds).toBeGreaterThan(0);
    expect(result.freezeWindow.seconds).toBeLessThan(1);
  });

  it("switches in the pooler: PL/Proxy's configuration is byte-identical, db23 goes to new", async () => {
    const switched = result.migration.phases.find((p) => p.name === 'switch');
    expect(switched?.status === 'ok' && switched.evidence).toMatchObject({
      pooler: `db23 -> ${topology.nodes.new.peerHost}:${topology.nodes.new.peerPort}`,
    });
    expect(await p23Connstring(topology)).toBe(connstringBefore);
    const after = await poolerDatabases(topology);
    const { new: target } = topology.nodes;
    expect(after.find((d) => d.name === 'db23')).toEqual({
      name: 'db23',
      host: target.peerHost,
      port: target.peerPort,
    });
    // Only db23 moved.
    expect(after.filter((d) => d.name !== 'db23')).toEqual(poolerBefore.filter((d) => d.name !== 'db23'));
    const context = migrationContext(config, topology.nodes, topology.runId, ignoreEvents, topology.handle);
    expect(await partitionHome(context)).toMatchObject({ home: 'new', readOnly: false });
    const [row] = await query<{ dbid: number }>(
      topology.nodes.proxy.endpoint,
      'proxy',
      'select dbid from query_pk(23)',
    );
    expect(row?.dbid).toBe(23);
  });
});

describe('a harness killed between PAUSE and RESUME (local)', () => {
  let topology: StartedTopology;
  let config: ShardmoveConfig;

  beforeAll(async () => {
    ({ config } = await loadConfig({
      flags: { provider: 'local', topology: { pooler: 'pgbouncer' }, seeding: { profile: 'none' } },
    }));
    topology = await startTopology({ config, events: ignoreEvents });
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it('holds the calls to db23 until recover resumes it', async () => {
    const pooler = topology.nodes.proxy.pooler;
    if (!pooler) throw new Error('no pooler');
    const admin = await poolerAdmin(pooler, 10_000);
    try {
      await admin.query('pause db23');
    } finally {
      await admin.end();
    }
    let settled = false;
    const held = query(topology.nodes.proxy.endpoint, 'proxy', 'select insert_log(23)').finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(settled).toBe(false);
    const events: string[] = [];
    const context = migrationContext(
      config,
      topology.nodes,
      topology.runId,
      (e) => {
        if (e.type === 'info') events.push(e.message);
      },
      topology.handle,
    );
    const recovery = await recoverMigration(context);
    expect(events).toContain('pooler: db23 was paused; resumed');
    await held;
    expect(recovery.found).toBe('p23 on old, read-write');
    const [row] = await query<{ n: string }>(
      topology.nodes.old.endpoint,
      'db23',
      'select count(*) n from digoal.login_log where userid = 23',
    );
    expect(Number(row?.n)).toBe(1);
  });
});
