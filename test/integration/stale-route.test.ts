import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../harness/db/connect.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { migrationContext } from '../../harness/migrate/migration-context.ts';
import type { MigrationResult } from '../../harness/migrate/run-migration.ts';
import { watchRoutes } from '../../harness/rehearsal/route-watch.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { epochNow } from '../../harness/util/epoch-clock.ts';
import { waitFor } from '../../harness/util/poll.ts';
import { sleep } from '../../harness/util/sleep.ts';
import { inFlightGraceMillis, staleRouteCheck } from '../../harness/verify/stale-route.ts';
import { testConfig } from '../support/config.ts';
import { testProviders } from '../support/providers.ts';

const provider = testProviders()[0] ?? 'local';

/**
 * One call over the extended protocol, as PL/Proxy sends it, with a pause between its Parse
 * and its Bind/Execute: pg_stat_activity's query_start moves at each message.
 */
function callWithPauseAfterParse(client: pg.Client, text: string, pauseMillis: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed: unknown;
    client.query({
      submit(connection: pg.Connection) {
        connection.parse({ text, name: '', types: [] }, false);
        connection.flush();
        setTimeout(() => {
          connection.bind({ statement: '', portal: '', values: [] }, false);
          connection.execute({ portal: '' }, false);
          connection.sync();
        }, pauseMillis);
      },
      handleRowDescription() {},
      handleDataRow() {},
      handleCommandComplete() {},
      handleEmptyQuery() {},
      handleError(error: unknown) {
        failed = error;
      },
      handleReadyForQuery() {
        if (failed) reject(failed);
        else resolve();
      },
    } as unknown as pg.Submittable);
  });
}

/** The route watch on a real old: a route that keeps writing to old after the switch must fail the check. */
describe(`no stale route: the watch of old's sessions (${provider})`, () => {
  let topology: StartedTopology;
  const routeTo = (endpoint = topology.nodes.old.endpoint): Promise<pg.Client> =>
    // What PL/Proxy opens for partition 23: application_name=23.
    connect({ ...endpoint, database: 'db23' }, 'db23', {
      applicationName: '23',
      connectTimeoutMillis: 10_000,
    });
  const switchedAt = (endedAt: number) =>
    ({
      phases: [{ name: 'switch', status: 'ok', startedAt: endedAt - 10, endedAt, evidence: {} }],
      rollback: [],
      outcome: 'completed',
    }) as unknown as MigrationResult;

  beforeAll(async () => {
    topology = await startTopology({
      config: await testConfig(provider, { seeding: { profile: 'none' } }),
      events: ignoreEvents,
    });
  });
  afterAll(async () => {
    await topology?.stop();
  });

  const context = () =>
    migrationContext(topology.config, topology.nodes, topology.runId, ignoreEvents, topology.handle);

  it('passes when the routes on old go at the switch, and says when each went', async () => {
    const watch = await watchRoutes(context(), 'db23');
    const [a, b] = [await routeTo(), await routeTo()];
    await a.query('select digoal.insert_log(23)');
    await b.query('select digoal.insert_log(55)');
    await sleep(300);
    const switchAt = epochNow();
    await sleep(200);
    await a.end();
    await sleep(300);
    await b.end();
    await sleep(300);
    const check = staleRouteCheck(await watch.stop(switchAt), switchedAt(switchAt));
    expect(check.passed, check.summary).toBe(true);
    // Both wrote before the switch: nothing on old's tables after it.
    expect(check.evidence.oldWrites).toEqual(expect.objectContaining({ rowsByTable: {}, deletedRows: 0 }));
    const went = check.evidence.propagation.map((p) => p.leftAfterMillis ?? Number.NaN);
    expect(went).toHaveLength(2);
    // One went about 200 ms after the switch, the other 300 ms later: the watch tells them apart.
    expect(Math.min(...went)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...went) - Math.min(...went)).toBeGreaterThanOrEqual(100);
  });

  it('counts a call in flight at the switch once, though the watch saw its Parse and its Execute apart', async () => {
    const watch = await watchRoutes(context(), 'db23');
    const route = await routeTo();
    try {
      await route.query('select digoal.insert_log(23)');
      await sleep(300);
      const switchAt = epochNow();
      // Well after the switch: old's clock is read through an estimated offset, off by up to
      // half a sample's round trip, which on a busy host is more than a millisecond.
      await sleep(100);
      // Three samples see it between Parse and Execute, after the switch: one call, within the grace.
      // A read: a write committed on old after the switch is a stale write, in flight or not.
      await callWithPauseAfterParse(route, 'select digoal.query_pk(23)', 350);
      await sleep(300);
      const recorded = await watch.stop(switchAt);
      const check = staleRouteCheck(recorded, switchedAt(switchAt));
      expect(check.passed, check.summary).toBe(true);
      const { rows } = await route.query<{ pid: number }>('select pg_backend_pid() as pid');
      const calls = recorded.sessions.find((s) => s.pid === rows[0]?.pid)?.callStartsOnOldClock ?? [];
      expect(calls.filter((t) => t - recorded.clockOffsetMillis > switchAt)).toHaveLength(1);
    } finally {
      await route.end();
    }
  });

  it("fails on a write to old after the switch through a session too brief to be sampled, by old's rows", async () => {
    const watch = await watchRoutes(context(), 'db23');
    await sleep(300);
    const switchAt = epochNow();
    await sleep(250);
    // Connects, writes and leaves between two samples, most likely: the sessions cannot show it.
    const brief = await routeTo();
    await brief.query('select digoal.insert_log(23)');
    await brief.query(`insert into digoal.tbl_small (userid, info) values (23, 'before')`);
    await brief.query(`update digoal.tbl_small set info = 'stale' where userid = 23`);
    await brief.end();
    await sleep(300);
    const check = staleRouteCheck(await watch.stop(switchAt), switchedAt(switchAt));
    expect(check.passed).toBe(false);
    expect(check.evidence.oldWrites).toEqual(
      // The insert's row was updated: one row version, newer than the switch.
      expect.objectContaining({ rowsByTable: { 'digoal.login_log': 1, 'digoal.tbl_small': 1 } }),
    );
    expect(check.summary).toMatch(/^old's tables were written after the switch: /);
  });

  it('keeps watching after its own connection to old is killed: the gap counted, then reconnected, nothing left open', async () => {
    const admin = await connect({ ...topology.nodes.old.endpoint, database: 'db23' }, 'db23', {
      applicationName: 'shardmove test admin',
      connectTimeoutMillis: 10_000,
    });
    const watchPids = async () =>
      (
        await admin.query<{ pid: number }>(
          `select pid from pg_stat_activity where application_name = 'shardmove route watch'`,
        )
      ).rows.map((r) => r.pid);
    try {
      const watch = await watchRoutes(context(), 'db23');
      await sleep(300);
      const killed = await watchPids();
      expect(killed).toHaveLength(1);
      await admin.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [killed]);
      // A new connection of the watch's, however long one takes on this host.
      await waitFor(
        'the watch reconnected',
        async () => (await watchPids()).some((pid) => !killed.includes(pid)),
        30_000,
        50,
      );
      // Seen only if the watch sampled again after losing its connection.
      const route = await routeTo();
      const { rows } = await route.query<{ pid: number }>('select pg_backend_pid() as pid');
      await sleep(400);
      await route.end();
      const recorded = await watch.stop();
      expect(recorded.failedSamples).toBeGreaterThanOrEqual(1);
      expect(recorded.sessions.map((s) => s.pid)).toContain(rows[0]?.pid);
      // A backend leaves pg_stat_activity a moment after its client has gone.
      await waitFor('the watch left old', async () => (await watchPids()).length === 0, 10_000, 50);
    } finally {
      await admin.end();
    }
  });

  it('fails on a session that keeps writing to old after the switch, naming it', async () => {
    const watch = await watchRoutes(context(), 'db23');
    const stale = await routeTo();
    const idle = await routeTo();
    try {
      await stale.query('select digoal.insert_log(23)');
      await idle.query('select 1');
      await sleep(300);
      const switchAt = epochNow();
      // Past the grace for a call in flight at the switch.
      await sleep(inFlightGraceMillis + 300);
      await stale.query('select digoal.insert_log(23)');
      const { rows } = await stale.query<{ pid: number }>('select pg_backend_pid() as pid');
      await sleep(300);
      const check = staleRouteCheck(await watch.stop(switchAt), switchedAt(switchAt));
      expect(check.passed).toBe(false);
      expect(check.evidence.oldWrites).toEqual(
        expect.objectContaining({ rowsByTable: { 'digoal.login_log': 1 }, deletedRows: 0 }),
      );
      expect(check.evidence.staleCalls).toEqual([
        expect.objectContaining({ pid: rows[0]?.pid, app: '23', afterSwitchMillis: expect.any(Number) }),
      ]);
      // The idle one stays connected but reached nothing: reported, not failed.
      expect(check.evidence.propagation.filter((p) => p.leftAfterMillis === null)).toHaveLength(2);
    } finally {
      await stale.end();
      await idle.end();
    }
  });
});
