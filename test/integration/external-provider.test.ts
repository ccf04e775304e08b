import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeRole } from '../../harness/config/config-types.ts';
import { DestructiveActionRefused } from '../../harness/errors.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { migrationContext } from '../../harness/migrate/migration-context.ts';
import { runPhases } from '../../harness/migrate/phase-result.ts';
import { localProvider } from '../../harness/provision/local-provider.ts';
import type { StartedNodes } from '../../harness/provision/provider.ts';
import { newRunId } from '../../harness/provision/run-id.ts';
import { Secret } from '../../harness/secret.ts';
import { startTopology } from '../../harness/topology/start-topology.ts';
import { runCli, startCli } from '../support/cli.ts';
import { testConfig } from '../support/config.ts';
import { databaseNames, query, uriWithPassword } from '../support/sql.ts';
import { strategyPhases } from '../support/strategy-phases.ts';
import { lifecycleOnly, suiteConfigFile } from '../support/suite-config.ts';

/** Bare local PostgreSQL nodes stand in for real staging hosts. */
describe('the external provider pointed at local hosts', () => {
  let hosts: StartedNodes;
  const uri = (role: NodeRole) => uriWithPassword(hosts.nodes[role].endpoint);
  const externalConfig = (flags: Record<string, unknown> = {}) =>
    testConfig('external', {
      external: { proxy: uri('proxy'), old: uri('old'), new: uri('new') },
      seeding: { profile: 'none' },
      ...flags,
    });
  const databases = (role: NodeRole) => databaseNames(hosts.nodes[role].endpoint);
  /** `shardmove run` of the logical strategy on the hosts, as a process of its own. */
  const startLogicalRun = async (stateDir: string) =>
    startCli(
      [
        'run',
        '--provider',
        'external',
        '--strategy',
        'logical',
        '--config',
        await suiteConfigFile(stateDir, lifecycleOnly),
        '--state-dir',
        stateDir,
        '--reports',
        join(stateDir, 'reports'),
      ],
      { SHARDMOVE_PROXY_URL: uri('proxy'), SHARDMOVE_OLD_URL: uri('old'), SHARDMOVE_NEW_URL: uri('new') },
    );

  beforeAll(async () => {
    hosts = await localProvider.start({
      config: await testConfig('local'),
      runId: newRunId(),
      events: ignoreEvents,
    });
  });

  afterAll(async () => {
    await hosts?.stop();
  });

  it('installs the topology on existing hosts and routes through it', async () => {
    await using topology = await startTopology({ config: await externalConfig(), events: ignoreEvents });
    const rows = await query<{ db: string }>(
      topology.nodes.proxy.endpoint,
      'proxy',
      'select * from dy($$select current_database()::text$$) as t(db text)',
    );
    expect(rows).toHaveLength(32);
    expect(await databases('old')).toContain('db23');
    // Another role that can log in to an external proxy gets no way onto the shards.
    const proxy = topology.nodes.proxy.endpoint;
    await query(proxy, 'proxy', `create role intruder login password 'intruder-pw'`);
    try {
      const intruder = { ...proxy, user: 'intruder', password: new Secret('intruder-pw') };
      await expect(query(intruder, 'proxy', `select * from dy('select 1') as t(x int)`)).rejects.toThrow(
        /permission denied for function dy/,
      );
      await expect(query(intruder, 'proxy', 'select * from query_pk(23)')).rejects.toThrow(
        /permission denied for foreign server|user mapping/,
      );
    } finally {
      await query(proxy, 'proxy', 'drop role intruder');
    }
  });

  it('drops only what it created when stopped', async () => {
    expect(await databases('old')).not.toContain('db23');
    expect(await databases('old')).toEqual(['postgres', 'template0', 'template1']);
  });

  it('refuses, changing nothing, to overwrite a database it did not create', async () => {
    await query(hosts.nodes.old.endpoint, 'postgres', 'create database db3');
    await query(
      hosts.nodes.old.endpoint,
      'db3',
      'create table precious (x int); insert into precious values (42)',
    );
    const attempt = startTopology({ config: await externalConfig(), events: ignoreEvents });
    await expect(attempt).rejects.toThrow(DestructiveActionRefused);
    await expect(attempt).rejects.toThrow(/old\/db3/);
    expect(await databases('old')).toEqual(['db3', 'postgres', 'template0', 'template1']);
    expect(await databases('proxy')).toEqual(['postgres', 'template0', 'template1']);
    expect(await query(hosts.nodes.old.endpoint, 'db3', 'select x from precious')).toEqual([{ x: 42 }]);
  });

  it('overwrites it with --allow-destructive', async () => {
    await using topology = await startTopology({
      config: await externalConfig({ allowDestructive: true }),
      events: ignoreEvents,
    });
    const tables = await query(
      topology.nodes.old.endpoint,
      'db3',
      `select 1 from pg_tables where tablename = 'precious'`,
    );
    expect(tables).toEqual([]);
  });

  it('refuses, changing nothing, to drop a database another shardmove run owns', async () => {
    await query(hosts.nodes.old.endpoint, 'postgres', 'create database db5');
    await query(
      hosts.nodes.old.endpoint,
      'postgres',
      `comment on database db5 is 'created by shardmove run other-run-1'`,
    );
    const attempt = startTopology({ config: await externalConfig(), events: ignoreEvents });
    await expect(attempt).rejects.toThrow(DestructiveActionRefused);
    await expect(attempt).rejects.toThrow(/old\/db5 \(shardmove run other-run-1\)/);
    expect(await databases('old')).toEqual(['db5', 'postgres', 'template0', 'template1']);
    await query(hosts.nodes.old.endpoint, 'postgres', 'drop database db5');
  });

  it('refuses one server named twice (127.0.0.1 and localhost) as old and new, creating nothing', async () => {
    const config = await testConfig('external', {
      external: {
        proxy: uri('proxy'),
        old: uri('old'),
        new: uri('old').replace('@127.0.0.1:', '@localhost:'),
      },
      seeding: { profile: 'none' },
    });
    const before = { old: await databases('old'), proxy: await databases('proxy') };
    await expect(startTopology({ config, events: ignoreEvents })).rejects.toThrow(
      /old and new are one server .*: shardmove needs separate servers/,
    );
    expect({ old: await databases('old'), proxy: await databases('proxy') }).toEqual(before);
  });

  it('stopped in the middle of a logical move, removes its subscription, slot and databases', async () => {
    const config = await externalConfig({ migration: { strategy: 'logical' } });
    const topology = await startTopology({ config, events: ignoreEvents });
    const context = migrationContext(config, topology.nodes, topology.runId, ignoreEvents);
    const phases = await strategyPhases('logical');
    const upToSync = phases.slice(0, phases.findIndex((p) => p.name === 'initial sync') + 1);
    const results = await runPhases(upToSync, context, ignoreEvents);
    expect(results.map((r) => r.status)).toEqual(upToSync.map(() => 'ok'));
    await topology.stop();
    for (const role of ['proxy', 'old', 'new'] as const) {
      expect(await databases(role)).toEqual(['postgres', 'template0', 'template1']);
      expect(
        await query(hosts.nodes[role].endpoint, 'postgres', 'select slot_name from pg_replication_slots'),
      ).toEqual([]);
    }
  });

  it('killed -9 in the middle of a logical move, leaves a record that `down` finishes the job from', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'shardmove-external-'));
    try {
      const { child, done } = await startLogicalRun(stateDir);
      child.stderr?.on('data', (d: Buffer) => {
        // Subscribed: a subscription on new, a slot and a publication on old.
        if (/\] initial sync: started/.test(d.toString())) child.kill('SIGKILL');
      });
      expect((await done).signal).toBe('SIGKILL');
      expect(await databases('new')).toContain('db23');
      const down = await runCli(['down', '--state-dir', stateDir]);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toMatch(/^external run sm-\S+: dropped \d+ database\(s\) it created/m);
      for (const role of ['proxy', 'old', 'new'] as const) {
        expect(await databases(role)).toEqual(['postgres', 'template0', 'template1']);
        expect(
          await query(hosts.nodes[role].endpoint, 'postgres', 'select slot_name from pg_replication_slots'),
        ).toEqual([]);
      }
      expect(await readdir(join(stateDir, 'external-runs'))).toEqual([]);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('is left alone by a `down` from another process while it still runs, and finishes its move', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'shardmove-external-'));
    try {
      const { child, done } = await startLogicalRun(stateDir);
      // Mid-move: a subscription on new, a slot and a publication on old, the load running.
      const downDuringMove = new Promise<Awaited<ReturnType<typeof runCli>>>((resolve, reject) => {
        child.stderr?.on('data', (d: Buffer) => {
          if (/\] initial sync: started/.test(d.toString()))
            resolve(runCli(['down', '--state-dir', stateDir]));
        });
        // A run that ends before its move began fails the test with what it said, not a hang.
        done.then((r) =>
          reject(new Error(`the run ended before "initial sync" (exit ${r.code}): ${r.stderr.slice(-2000)}`)),
        );
      });
      const down = await downDuringMove;
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toMatch(/^external run sm-\S+: still running \(pid \d+/m);
      expect(await databases('old')).toContain('db23');
      expect(await databases('new')).toContain('db23');
      const run = await done;
      expect(run.stdout).toMatch(/strategy logical, p23, .*: completed \(/);
      // Its own stop removed what it created, and its record.
      for (const role of ['proxy', 'old', 'new'] as const) {
        expect(await databases(role)).toEqual(['postgres', 'template0', 'template1']);
      }
      expect(await readdir(join(stateDir, 'external-runs'))).toEqual([]);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('refuses hosts that are not a shardmove topology, saying why', async () => {
    const config = await testConfig('external', {
      external: { proxy: uri('proxy'), old: uri('old'), new: uri('new').replace(/:[^:@]*@/, ':wrong@') },
    });
    await expect(startTopology({ config, events: ignoreEvents })).rejects.toThrow(
      /new \(digoal@127\.0\.0\.1:\d+\/postgres\): password authentication failed/,
    );
    const unreachable = await testConfig('external', {
      external: { proxy: uri('proxy'), old: 'postgresql://digoal@127.0.0.1:1/postgres', new: uri('new') },
    });
    await expect(startTopology({ config: unreachable, events: ignoreEvents })).rejects.toThrow(
      /cannot connect to old .*connection refused/,
    );
  });
});
