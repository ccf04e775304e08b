import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MigrationStrategy,
  migrationStrategies,
  type ShardmoveConfig,
} from '../../harness/config/config-types.ts';
import { withClient } from '../../harness/db/connect.ts';
import type { NodeAccess } from '../../harness/db/node-access.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { migrateUnderFaults } from '../../harness/faults/migrate-under-faults.ts';
import { LedgerBuilder } from '../../harness/load/ledger.ts';
import type { LoadResult } from '../../harness/load/run-load.ts';
import { migrationContext } from '../../harness/migrate/migration-context.ts';
import { setPartitionTarget } from '../../harness/migrate/partition-target.ts';
import { phase } from '../../harness/migrate/phase-result.ts';
import { recoverMigration } from '../../harness/migrate/recover-migration.ts';
import { freePort } from '../../harness/provision/free-port.ts';
import type { RehearsalResult } from '../../harness/rehearsal/rehearsal-result.ts';
import { rehearse } from '../../harness/rehearsal/run-rehearsal.ts';
import { phaseStatements, statementBreakdownLines } from '../../harness/report/statement-lines.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { noAckLostCheck } from '../../harness/verify/checks.ts';
import { testConfig } from '../support/config.ts';
import { testProviders } from '../support/providers.ts';
import { databaseNames, loggedWrites, query } from '../support/sql.ts';
import { withStrategy } from '../support/strategy-phases.ts';
import { idTheLoadNeverDraws } from '../support/unused-id.ts';

const provider = testProviders()[0] ?? 'local';

const databases = (topology: StartedTopology, role: 'old' | 'new') =>
  databaseNames(topology.nodes[role].endpoint);

const phaseNames: Record<MigrationStrategy, string[]> = {
  matview: [
    'readiness',
    'prepare new',
    'pre-copy',
    'freeze',
    'freeze barrier',
    'refresh',
    'matviews to tables',
    'vacuum analyze',
    'parity',
    'switch',
    'drop fdw',
  ],
  seed: [
    'readiness',
    'prepare new',
    'pre-copy',
    'freeze',
    'freeze barrier',
    'refresh',
    'copy',
    'vacuum analyze',
    'parity',
    'switch',
    'drop fdw',
  ],
  copy: [
    'readiness',
    'prepare new',
    'create tables',
    'freeze',
    'freeze barrier',
    'copy',
    'primary keys',
    'parity',
    'switch',
    'drop fdw',
  ],
  logical: [
    'readiness',
    'prepare new',
    'publish',
    'subscribe',
    'initial sync',
    'open connections',
    'warm catch-up',
    'freeze',
    'freeze barrier',
    'catch-up',
    'switch',
    'detach',
    'parity',
  ],
};

describe.each(migrationStrategies)(`the %s strategy under load, tiny profile (${provider})`, (strategy) => {
  let topology: StartedTopology;
  let config: ShardmoveConfig;
  let result: RehearsalResult;

  beforeAll(async () => {
    config = await testConfig(provider, {
      migration: { strategy },
    });
    topology = await startTopology({ config, events: ignoreEvents });
    result = await rehearse(topology, config, ignoreEvents);
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it('runs every phase in order, on the load clock', () => {
    expect(result.migration.outcome).toBe('completed');
    expect(result.migration.phases.map((p) => [p.name, p.status])).toEqual(
      phaseNames[strategy].map((n) => [n, 'ok']),
    );
    const starts = result.migration.phases.map((p) => (p.status === 'ok' ? p.startedAt : 0));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(starts[0]).toBeGreaterThan(result.load.startEpochMillis);
  });

  it.runIf(strategy === 'seed')('times the refresh inside the freeze table by table, and reports it', () => {
    const refresh = result.migration.phases.find((p) => p.name === 'refresh');
    if (refresh?.status !== 'ok') throw new Error(`refresh: ${refresh?.status}`);
    const statements = phaseStatements(refresh);
    expect(statements.map((s) => s.statement)).toEqual(
      ['userinfo', 'session', 'tbl_small'].map((t) => `REFRESH MATERIALIZED VIEW CONCURRENTLY digoal.${t}`),
    );
    const total = statements.reduce((n, s) => n + s.seconds, 0);
    expect(statements.every((s) => s.seconds > 0)).toBe(true);
    expect(total).toBeLessThanOrEqual((refresh.endedAt - refresh.startedAt) / 1000);
    const lines = statementBreakdownLines(result.migration.phases);
    expect(lines).toContain('## Where the seed phases spent their time');
    expect(
      lines.some((l) =>
        l.startsWith('| refresh | `REFRESH MATERIALIZED VIEW CONCURRENTLY digoal.userinfo` |'),
      ),
    ).toBe(true);
  });

  it('keeps reads succeeding in every second', () => {
    const reads = result.checks.find((c) => c.name === 'reads');
    expect(reads?.passed, reads?.summary).toBe(true);
  });

  it('rejects writes to p23 with 25006 only inside the freeze, and nowhere else', () => {
    const check = result.checks.find((c) => c.name === 'write rejection');
    expect(check?.passed, check?.summary).toBe(true);
    expect(check?.evidence.rejections).toBeGreaterThan(0);
    expect(result.freezeWindow.seconds).toBeGreaterThan(0);
  });

  it('copies every row: old (frozen) and new are equal, login_log included', () => {
    const check = result.checks.find((c) => c.name === 'parity');
    expect(check?.passed, check?.summary).toBe(true);
  });

  it('loses no acknowledged write', () => {
    const check = result.checks.find((c) => c.name === 'no acknowledged write lost');
    expect(check?.passed, check?.summary).toBe(true);
    expect(check?.evidence.acknowledged).toBeGreaterThan(100);
  });

  it('measures TPS recovery: the moved partition and the others are back within the limit after the switch', () => {
    const check = result.checks.find((c) => c.name === 'tps recovery');
    expect(check?.passed, check?.summary).toBe(true);
    expect(check?.evidence.recoverySeconds).toBeLessThanOrEqual(Number(check?.evidence.limitSeconds));
    // The others' dip at the freeze and the switch (every proxy backend reconnects to every
    // partition: the procedure's known weakness) is measured, for the threshold to judge; how
    // deep it goes is the host's (to 0 for a whole window where a connection costs 50 ms).
    expect(check?.evidence.othersBaseline).toBeGreaterThan(0);
    expect(check?.evidence.othersLowestWindow).toBeGreaterThanOrEqual(0);
    expect(check?.evidence.othersLowestShare).toBeLessThanOrEqual(1.5);
  });

  it('leaves no route on old after the switch: every session of p23 there went, none called it since', () => {
    const check = result.checks.find((c) => c.name === 'no stale route');
    expect(check?.passed, check?.summary).toBe(true);
    const evidence = check?.name === 'no stale route' ? check.evidence : undefined;
    expect(evidence?.staleCalls).toEqual([]);
    // The proxy backends' routes to old (application_name=23) were there at the switch, and
    // went. Under logical's sub-second freeze the routes to old are opened and closed between
    // two samples as often as not (1 run in 5 here saw none), so only the long freezes must show them.
    if (strategy !== 'logical') expect(evidence?.propagation.length).toBeGreaterThan(0);
    expect(evidence?.propagation.filter((p) => p.leftAfterMillis === null)).toEqual([]);
    expect(evidence?.watched?.samples).toBeGreaterThan(10);
  });

  it('leaves db23 on new and, only if every check passed, drops it from old', async () => {
    expect(await databases(topology, 'new')).toContain('db23');
    const onOld = (await databases(topology, 'old')).includes('db23');
    expect(onOld).toBe(result.verdict !== 'pass');
    const [row] = await query<{ dbid: number }>(
      topology.nodes.proxy.endpoint,
      'proxy',
      'select dbid from query_pk(23)',
    );
    expect(row?.dbid).toBe(23);
  });

  it("leaves no publication, subscription, replication slot, marker schema or FDW server (with old's password) behind", async () => {
    const where = { old: 'db23', new: 'db23' } as const;
    for (const role of ['old', 'new'] as const) {
      if (role === 'old' && result.verdict === 'pass') continue; // dropped with db23
      const [left] = await query<{
        pubs: number;
        subs: number;
        slots: number;
        schemas: number;
        servers: number;
        mappings: number;
      }>(
        topology.nodes[role].endpoint,
        where[role],
        `select (select count(*) from pg_publication)::int pubs, (select count(*) from pg_subscription)::int subs,
                (select count(*) from pg_replication_slots)::int slots,
                (select count(*) from pg_namespace where nspname = 'shardmove')::int schemas,
                (select count(*) from pg_foreign_server)::int servers, (select count(*) from pg_user_mappings)::int mappings`,
      );
      expect({ role, ...left }).toEqual({
        role,
        pubs: 0,
        subs: 0,
        slots: 0,
        schemas: 0,
        servers: 0,
        mappings: 0,
      });
    }
  });
});

describe(`rollback and the verifier's negative cases (${provider})`, () => {
  let topology: StartedTopology;
  let config: ShardmoveConfig;

  beforeAll(async () => {
    config = await testConfig(provider, {
      migration: { injectFaultAfter: 'copy' },
    });
    topology = await startTopology({ config, events: ignoreEvents });
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it('rolls back when the copy fails midway: p23 on old read-write, the copy on new dropped, old untouched', async () => {
    const before = await query<{ n: string }>(
      topology.nodes.old.endpoint,
      'db23',
      'select count(*) n from digoal.userinfo',
    );
    const result = await rehearse(topology, config, ignoreEvents);
    expect(result.migration.outcome).toBe('rolled-back');
    expect(result.migration.phases.find((p) => p.name === 'copy')?.status).toBe('failed');
    expect(result.migration.phases.find((p) => p.name === 'switch')?.status).toBe('not-run');
    // The undo of what ran, latest first: this strategy made no replication to drop.
    expect(result.migration.rollback.map((p) => [p.name, p.status])).toEqual([
      ['unfreeze on old', 'ok'],
      ['drop the copy on new', 'ok'],
    ]);
    expect(result.verdict).toBe('fail');
    expect(await databases(topology, 'new')).not.toContain('db23');
    expect(await databases(topology, 'old')).toContain('db23');
    expect(
      await query(topology.nodes.old.endpoint, 'db23', 'select count(*) n from digoal.userinfo'),
    ).toEqual(before);
    const [server] = await query<{ p23: string }>(
      topology.nodes.proxy.endpoint,
      'proxy',
      `select o as p23 from pg_foreign_server, unnest(srvoptions) o where srvname = 'rds_pg_cluster' and o like 'p23=%'`,
    );
    expect(server?.p23).not.toContain('read_only');
    await query(topology.nodes.proxy.endpoint, 'proxy', 'select insert_log(23)');
    // No acknowledged write was lost either: they all stayed on old.
    expect(result.checks.find((c) => c.name === 'no acknowledged write lost')?.passed).toBe(true);
  });

  it("rolls back logical replication inside the freeze: no publication, subscription or slot of its own left, old writable, no one else's touched", async () => {
    // Someone else's slot, under the name every migration used to share: not ours to drop.
    await query(
      topology.nodes.old.endpoint,
      'db23',
      `select pg_create_logical_replication_slot('shardmove_move', 'pgoutput')`,
    );
    const logical = await withStrategy(config, { strategy: 'logical', injectFaultAfter: 'catch-up' });
    const result = await rehearse(topology, logical, ignoreEvents);
    expect(result.migration.outcome).toBe('rolled-back');
    expect(result.migration.phases.find((p) => p.name === 'catch-up')?.status).toBe('failed');
    expect(result.migration.rollback.map((p) => p.status)).toEqual(['ok', 'ok', 'ok']);
    const dropped = phase(result.migration.rollback, 'drop replication');
    expect(dropped?.status === 'ok' && dropped.evidence.dropped).toEqual([
      'subscription on new',
      'marker schema on new',
      'publication on old',
      'marker schema on old',
    ]);
    expect(await databases(topology, 'new')).not.toContain('db23');
    const [left] = await query<{ pubs: number; slots: number; schemas: number }>(
      topology.nodes.old.endpoint,
      'db23',
      `select (select count(*) from pg_publication)::int pubs, (select count(*) from pg_replication_slots)::int slots,
              (select count(*) from pg_namespace where nspname = 'shardmove')::int schemas`,
    );
    expect(left).toEqual({ pubs: 0, slots: 1, schemas: 0 });
    await query(topology.nodes.old.endpoint, 'db23', `select pg_drop_replication_slot('shardmove_move')`);
    await query(topology.nodes.proxy.endpoint, 'proxy', 'select insert_log(23)');
    expect(result.checks.find((c) => c.name === 'no acknowledged write lost')?.passed).toBe(true);
  });

  const p23Connstring = async () =>
    (
      await query<{ p23: string }>(
        topology.nodes.proxy.endpoint,
        'proxy',
        `select o as p23 from pg_foreign_server, unnest(srvoptions) o where srvname = 'rds_pg_cluster' and o like 'p23=%'`,
      )
    )[0]?.p23;
  const copyWithTriggerFreeze = (injectFaultAfter: string | undefined): Promise<ShardmoveConfig> =>
    withStrategy(config, { strategy: 'copy', freeze: 'table-triggers', injectFaultAfter });
  const freezeSchemas = async () =>
    query<{ n: number }>(
      topology.nodes.old.endpoint,
      'db23',
      `select count(*)::int n from pg_namespace where nspname = 'shardmove_freeze'`,
    );

  it('rolls back a table-trigger freeze: writes were rejected with 25006, the triggers are gone, the proxy never changed', async () => {
    const before = await p23Connstring();
    const result = await rehearse(topology, await copyWithTriggerFreeze('freeze barrier'), ignoreEvents);
    expect(result.migration.outcome).toBe('rolled-back');
    const frozen = result.migration.phases.find((p) => p.name === 'freeze');
    expect(frozen?.status === 'ok' && frozen.evidence).toMatchObject({ method: 'table-triggers' });
    expect(result.freezeWindow.rejections).toBeGreaterThan(0);
    expect(result.checks.find((c) => c.name === 'write rejection')?.passed).toBe(true);
    const unfreeze = result.migration.rollback.find((p) => p.name === 'unfreeze on old');
    expect(unfreeze?.status === 'ok' && unfreeze.evidence).toMatchObject({
      connstring: 'already old, read-write',
      triggersDropped: true,
    });
    expect(await p23Connstring()).toBe(before);
    expect(await freezeSchemas()).toEqual([{ n: 0 }]);
    await query(topology.nodes.proxy.endpoint, 'proxy', 'select insert_log(23)');
    expect(result.checks.find((c) => c.name === 'no acknowledged write lost')?.passed).toBe(true);
  });

  it('fails the ledger check when an acknowledged write is missing', async () => {
    const context = migrationContext(config, topology.nodes, topology.runId, ignoreEvents);
    // Checked absent below rather than assumed.
    const plantedId = idTheLoadNeverDraws(23);
    expect(await loggedWrites(topology.nodes.old.endpoint, plantedId)).toBe(0);
    const builder = new LedgerBuilder(32);
    builder.acknowledged(23, plantedId, Date.now(), 1);
    const ledger = builder.finish();
    const load = { ledger } as unknown as LoadResult;
    const check = await noAckLostCheck(
      load,
      { outcome: 'rolled-back', logs: 'migrate', phases: [] } as never,
      context,
    );
    expect(check.passed).toBe(false);
    expect(check.evidence.missing).toBe(1);
    expect(check.evidence.missingExamples).toEqual([plantedId]);
  });

  it('recover leaves alone a partition routed neither provably to old nor to new read-write: no rollback, nothing changed', async () => {
    const context = migrationContext(config, topology.nodes, topology.runId, ignoreEvents, topology.handle);
    const route = (node: NodeAccess, readOnly: boolean) =>
      withClient(topology.nodes.proxy.endpoint, 'proxy', { connectTimeoutMillis: 10_000 }, (c) =>
        setPartitionTarget(c, config.topology.clusterName, 23, node, readOnly),
      );
    const nowhere = { ...topology.nodes.old, peerPort: await freePort() };
    try {
      for (const [node, readOnly, found] of [
        [nowhere, false, 'p23 on elsewhere, read-write'],
        [topology.nodes.new, true, 'p23 on new, frozen read-only'],
      ] as const) {
        const { connstring } = await route(node, readOnly);
        const recovery = await recoverMigration(context);
        expect([recovery.found, recovery.action, recovery.phases]).toEqual([found, 'left alone', []]);
        // A rollback would have routed p23 back to old: the route is as it was left.
        expect(await p23Connstring()).toBe(`p23=${connstring}`);
        expect(await databases(topology, 'old')).toContain('db23');
      }
    } finally {
      await route(topology.nodes.old, false);
    }
  });

  it('completes a move under the table-trigger freeze: rejections, parity and the ledger hold, old stays frozen', async () => {
    const result = await rehearse(topology, await copyWithTriggerFreeze(undefined), ignoreEvents);
    expect(result.migration.outcome).toBe('completed');
    expect(result.freezeWindow.rejections).toBeGreaterThan(0);
    for (const name of ['reads', 'write rejection', 'parity', 'no acknowledged write lost']) {
      const check = result.checks.find((c) => c.name === name);
      expect(check?.passed, `${name}: ${check?.summary}`).toBe(true);
    }
    expect(await p23Connstring()).toContain(`port=${topology.nodes.new.peerPort}`);
    // Old keeps its triggers (frozen) for as long as it is kept.
    if (result.dropOld?.status !== 'ok') expect(await freezeSchemas()).toEqual([{ n: 1 }]);
  });
});

describe('a logical switch that fails once new is snapshotted (local, no rows)', () => {
  let topology: StartedTopology;
  let config: ShardmoveConfig;

  beforeAll(async () => {
    config = await testConfig('local', { seeding: { profile: 'none' } });
    topology = await startTopology({ config, events: ignoreEvents });
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it("closes new's repeatable-read snapshot session: no transaction left open on new's db23", async () => {
    const failing = await withStrategy(config, { strategy: 'logical', injectFaultAfter: 'switch' });
    const context = migrationContext(failing, topology.nodes, topology.runId, ignoreEvents, topology.handle);
    const result = await migrateUnderFaults(context);
    expect(result.outcome).toBe('failed-after-switch');
    expect(phase(result.phases, 'parity')?.status).toBe('not-run');
    const open = await query<{ n: number }>(
      topology.nodes.new.endpoint,
      'postgres',
      `select count(*)::int n from pg_stat_activity where datname = 'db23' and state like 'idle in transaction%'`,
    );
    expect(open).toEqual([{ n: 0 }]);
  });
});
