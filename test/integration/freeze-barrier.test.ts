import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardmoveConfig } from '../../harness/config/config-types.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { type MigrationContext, migrationContext } from '../../harness/migrate/migration-context.ts';
import { type Phase, runPhases } from '../../harness/migrate/phase-result.ts';
import { postmasterPid } from '../../harness/provision/node-control.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { testConfig } from '../support/config.ts';
import { loggedWrites, query } from '../support/sql.ts';
import { strategyPhases, strategyRollback } from '../support/strategy-phases.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client of the proxy as an application is: its own session, not the harness's. */
async function proxyClient(topology: StartedTopology, config: ShardmoveConfig): Promise<pg.Client> {
  const proxy = topology.nodes.proxy.endpoint;
  const client = new pg.Client({
    host: proxy.host,
    port: proxy.port,
    user: proxy.user,
    database: config.topology.proxyDatabase,
    application_name: 'straggler',
    password: () => proxy.password?.reveal() ?? '',
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * The race behind a slow host's lost write (fault-cut-replication-during-catch-up: "an
 * acknowledged write was lost") and its diverging copy (logical: "parity failed: login_log
 * differ"), made deterministic. A proxy call sent before the freeze is still connecting to
 * old when the freeze lands: old's postmaster is stopped for a moment, as a postmaster busy
 * forking a reconnection storm is. The barrier's timeout passes while it waits, and its
 * session on old starts after the freeze, so the barrier took it for a frozen one; it
 * wrote read-write after the barrier. A trigger makes that write slow, so that it commits
 * after the switch, where a fast host would only have let it race the copy.
 */
describe('a proxy call still connecting to old when the freeze lands (copy, local)', () => {
  let topology: StartedTopology;
  let config: ShardmoveConfig;
  beforeAll(async () => {
    config = await testConfig('local', {
      migration: { strategy: 'copy', barrierTimeoutMillis: 200 },
    });
    topology = await startTopology({ config, events: ignoreEvents });
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it('does not switch when old took a write after the barrier, and rolls back cleanly', async () => {
    const context = migrationContext(config, topology.nodes, topology.runId, ignoreEvents);
    const phases = await strategyPhases('copy');
    const upToParity = phases.slice(0, phases.findIndex((p) => p.name === 'parity') + 1);
    const done = await runPhases(upToParity, context, ignoreEvents);
    expect(done.every((p) => p.status === 'ok')).toBe(true);
    // A write the barrier could not have seen (a session of old's own, not the proxy's).
    await query(topology.nodes.old.endpoint, 'db23', 'insert into digoal.login_log (userid) values (23)');
    const [switched] = await runPhases(
      [phases.find((p) => p.name === 'switch') as Phase<MigrationContext>],
      context,
      ignoreEvents,
    );
    expect(switched?.status === 'failed' && switched.error).toMatch(
      /old's login_log took 1 writes after the freeze barrier: not switching/,
    );
    const rollback = await runPhases(await strategyRollback('copy'), context, ignoreEvents);
    expect(rollback.map((p) => [p.name, p.status])).toEqual([
      ['unfreeze on old', 'ok'],
      ['drop the copy on new', 'ok'],
    ]);
  });

  it('is cut off at the barrier: no acknowledged write lands on old after it', async () => {
    const handle = topology.handle;
    if (handle?.provider !== 'local') throw new Error('needs the local provider');
    const context = migrationContext(config, topology.nodes, topology.runId, ignoreEvents);
    const phases = await strategyPhases('copy');
    const at = (name: string) => phases.findIndex((p) => p.name === name);
    const upToFreeze = await runPhases(phases.slice(0, at('freeze')), context, ignoreEvents);
    expect(upToFreeze.every((p) => p.status === 'ok')).toBe(true);

    const userid = 23 + 32 * 999_002;
    // The straggler's write takes long on old, so that it commits after the switch if let through.
    await query(
      topology.nodes.old.endpoint,
      'db23',
      `create function pg_temp.x() returns void language sql as 'select 1';
       create function public.slow_straggler() returns trigger language plpgsql as
         $$ begin if new.userid = ${userid} then perform pg_sleep(8); end if; return new; end $$;
       create trigger slow_straggler before insert on digoal.login_log
         for each row execute function public.slow_straggler()`,
    );
    const straggler = await proxyClient(topology, config);
    await straggler.query('select 1');
    const postmaster = await postmasterPid(handle.baseDir, 'old');
    process.kill(postmaster, 'SIGSTOP');
    let write: Promise<boolean>;
    try {
      write = straggler.query('select insert_log($1)', [userid]).then(
        () => true,
        () => false,
      );
      await sleep(300);
      const frozen = await runPhases(
        [phases[at('freeze')] as Phase<MigrationContext>],
        context,
        ignoreEvents,
      );
      expect(frozen[0]?.status).toBe('ok');
      const barrier = runPhases(
        [phases[at('freeze barrier')] as Phase<MigrationContext>],
        context,
        ignoreEvents,
      );
      await sleep(config.migration.barrierTimeoutMillis + 400);
      process.kill(postmaster, 'SIGCONT');
      expect((await barrier)[0]?.status).toBe('ok');
    } finally {
      process.kill(postmaster, 'SIGCONT');
    }
    const rest = await runPhases(phases.slice(at('freeze barrier') + 1), context, ignoreEvents);
    expect(rest.map((p) => [p.name, p.status])).toEqual(
      phases.slice(at('freeze barrier') + 1).map((p) => [p.name, 'ok']),
    );
    const acknowledged = await write;
    await straggler.end().catch(() => {});
    const count = (role: 'old' | 'new') => loggedWrites(topology.nodes[role].endpoint, userid);
    expect({ acknowledged, onOld: await count('old'), onNew: await count('new') }).toEqual({
      acknowledged: false,
      onOld: 0,
      onNew: 0,
    });
  });
});
