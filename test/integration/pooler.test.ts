import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MigrationStrategy,
  migrationStrategies,
  type ProviderName,
  type ShardmoveConfig,
} from '../../harness/config/config-types.ts';
import { loadConfig } from '../../harness/config/load-config.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { migrateUnderFaults } from '../../harness/faults/migrate-under-faults.ts';
import { migrationContext } from '../../harness/migrate/migration-context.ts';
import { partitionHome } from '../../harness/migrate/partition-target.ts';
import { recoverMigration } from '../../harness/migrate/recover-migration.ts';
import {
  livePoolerDatabases,
  localPoolerDir,
  withPoolerAdmin,
  writePoolerDatabases,
} from '../../harness/provision/pooler-control.ts';
import type { RehearsalResult } from '../../harness/rehearsal/rehearsal-result.ts';
import { rehearse } from '../../harness/rehearsal/run-rehearsal.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { testScenarioConfig } from '../support/config.ts';
import { testProviders } from '../support/providers.ts';
import { databaseNames, query } from '../support/sql.ts';
import { withStrategy } from '../support/strategy-phases.ts';
import { ciSize } from '../support/suite-config.ts';

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
  return withPoolerAdmin(pooler, 10_000, livePoolerDatabases);
};

// Every strategy on the first provider; the logical one (the scenario's) on the others too.
const [firstProvider = 'local', ...otherProviders] = testProviders();
const cases: Array<[MigrationStrategy, ProviderName]> = [
  ...migrationStrategies.map((s): [MigrationStrategy, ProviderName] => [s, firstProvider]),
  ...otherProviders.map((p): [MigrationStrategy, ProviderName] => ['logical', p]),
];

describe.each(cases)('a pooled topology: the %s move through pgbouncer (%s)', (strategy, provider) => {
  let topology: StartedTopology;
  let config: ShardmoveConfig;
  let result: RehearsalResult;
  let connstringBefore: string | undefined;
  let poolerBefore: Awaited<ReturnType<typeof poolerDatabases>>;

  beforeAll(async () => {
    config = await testScenarioConfig('logical-db23-pgbouncer', {
      ...ciSize,
      provider,
      migration: { strategy },
      // The scenario's sub-second freeze is the logical strategy's; the others copy inside it.
      ...(strategy === 'logical'
        ? {}
        : { thresholds: ['recovery_s <= 5', 'lost_writes == 0', 'others_min_pct >= 90'] }),
    });
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

  it("passes every check, and judges the scenario's thresholds as measured (logical: the freeze window among them)", () => {
    const failed = result.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.summary}`);
    expect(failed).toEqual([]);
    expect(result.thresholds.map((t) => t.expression)).toContain('others_min_pct >= 90');
    // Whether the others stay above 90% is a performance figure of this host (2 cores shared
    // by every node, the load and the move's bulk work), for `run` and its report to state,
    // not for a test to time. What the test holds: every check passed, and the verdict is
    // what the thresholds as measured make it: pass; inconclusive when only thresholds the
    // host's saturation left unknown failed; fail otherwise, naming them.
    const recovery = result.checks.find((c) => c.name === 'tps recovery');
    const where = `${recovery?.summary}; host busiest second in the lowest window: ${result.metrics.others_dip_host_busy_pct}%`;
    console.info(`${strategy}/${provider}: ${result.verdict}; ${where}`);
    const judgedFailures = result.thresholds.filter((t) => !t.passed && !t.unknown);
    const unknown = result.thresholds.filter((t) => !t.passed && t.unknown);
    for (const t of unknown) {
      expect(t.metric).toBe('others_min_pct');
      expect(result.metrics.others_dip_host_busy_pct).toBeGreaterThanOrEqual(90);
    }
    expect(result.verdict).toBe(judgedFailures.length ? 'fail' : unknown.length ? 'inconclusive' : 'pass');
    if (judgedFailures.length) expect(result.validity.conclusive).toBe(true);
    expect(result.metrics.others_dip_host_busy_pct).toBeGreaterThan(0);
    expect(result.freezeWindow.rejections).toBeGreaterThan(0);
    expect(result.freezeWindow.seconds).toBeGreaterThan(0);
    // How long the freeze lasts is this host's figure too (1.24 s on containers in one CI run,
    // 0.1-0.2 s here): the test holds that the scenario's threshold on it was judged, and the
    // verdict above follows it.
    if (strategy === 'logical') {
      const freeze = result.thresholds.find((t) => t.metric === 'freeze_window_s');
      expect(freeze?.actual).toBeCloseTo(result.freezeWindow.seconds ?? Number.NaN, 2);
    }
  });

  it("switches in the pooler: PL/Proxy's configuration is byte-identical, db23 goes to new", async () => {
    const switched = result.migration.phases.find((p) => p.name === 'switch');
    expect(switched?.status === 'ok' && switched.evidence).toMatchObject({
      pooler: `db23 -> ${topology.nodes.new.peerHost}:${topology.nodes.new.peerPort}`,
      drainedMillis: expect.any(Number),
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

describe('a pooled topology when things go wrong (local)', () => {
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

  it('recover puts the file back to what the pooler runs, so a later RELOAD moves nothing', async () => {
    const pooler = topology.nodes.proxy.pooler;
    if (!pooler || topology.handle.provider !== 'local') throw new Error('no local pooler');
    const file = join(localPoolerDir(topology.handle.baseDir), 'databases.ini');
    const live = await poolerDatabases(topology);
    const { new: target } = topology.nodes;
    await writePoolerDatabases(
      topology.handle,
      live.map((d) =>
        d.name === 'db23' ? { name: 'db23', host: target.peerHost, port: target.peerPort } : d,
      ),
    );
    expect(await readFile(file, 'utf8')).toContain(`db23 = host=${target.peerHost} port=${target.peerPort}`);
    const context = migrationContext(config, topology.nodes, topology.runId, ignoreEvents, topology.handle);
    const recovery = await recoverMigration(context);
    expect(recovery.found).toBe('p23 on old, read-write');
    const { old } = topology.nodes;
    expect(await readFile(file, 'utf8')).toContain(`db23 = host=${old.peerHost} port=${old.peerPort}`);
    await withPoolerAdmin(pooler, 10_000, (admin) => admin.query('reload'));
    expect((await poolerDatabases(topology)).find((d) => d.name === 'db23')).toEqual({
      name: 'db23',
      host: old.peerHost,
      port: old.peerPort,
    });
    await query(topology.nodes.proxy.endpoint, 'proxy', 'select insert_log(23)');
  });

  it('reports a switch that failed after routing p23 to new as failed after the switch, and drops nothing', async () => {
    const failing = await withStrategy(config, { strategy: 'copy', injectFaultAfter: 'switch' });
    const context = migrationContext(failing, topology.nodes, topology.runId, ignoreEvents, topology.handle);
    // The fault comes from above, as in a rehearsal or `migrate`: migrate/ knows nothing of it.
    const result = await migrateUnderFaults(context);
    expect(result.phases.find((p) => p.name === 'switch')?.status).toBe('failed');
    expect(result.outcome).toBe('failed-after-switch');
    expect(result.rollback).toEqual([]);
    expect(result.state).toMatch(/^p23 on new; the switch failed after routing it there/);
    expect(await databaseNames(topology.nodes.new.endpoint)).toContain('db23');
    expect(await partitionHome(context)).toMatchObject({ home: 'new', readOnly: false });
  });
});
