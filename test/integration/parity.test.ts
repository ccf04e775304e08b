import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../harness/db/connect.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { compareTables } from '../../harness/parity/compare-tables.ts';
import { restoreShards, snapshotShards } from '../../harness/seed/snapshot.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { testConfig } from '../support/config.ts';
import { testProviders } from '../support/providers.ts';

const provider = testProviders()[0] ?? 'local';

/** Two copies of the same seeded shard (db23 and its snapshot), then one is tampered with. */
describe(`parity localises differences to primary keys (${provider})`, () => {
  let topology: StartedTopology;
  let original: pg.Client;
  let copy: pg.Client;

  beforeAll(async () => {
    topology = await startTopology({
      config: await testConfig(provider, { seeding: { profile: 'ci' } }),
      events: ignoreEvents,
    });
    await snapshotShards(topology.nodes, topology.config, topology.runId, [23]);
    const old = topology.nodes.old.endpoint;
    original = await connect({ ...old, database: 'db23_seeded' }, 'db23_seeded', {
      connectTimeoutMillis: 10_000,
    });
    copy = await connect({ ...old, database: 'db23' }, 'db23', { connectTimeoutMillis: 10_000 });
  });
  afterAll(async () => {
    await original?.end();
    await copy?.end();
    await topology?.stop();
  });

  // Restoring copies from the snapshot, which needs every other session on both gone.
  const reset = async () => {
    await copy.end();
    await original.end();
    await restoreShards(topology.nodes, topology.config, topology.runId, [23]);
    const old = topology.nodes.old.endpoint;
    original = await connect({ ...old, database: 'db23_seeded' }, 'db23_seeded', {
      connectTimeoutMillis: 10_000,
    });
    copy = await connect({ ...old, database: 'db23' }, 'db23', { connectTimeoutMillis: 10_000 });
  };

  it('passes identical copies', async () => {
    const report = await compareTables(original, copy, ['userinfo', 'session', 'tbl_small', 'login_log']);
    expect(report.passed).toBe(true);
    expect(report.tables.find((t) => t.table === 'userinfo')).toMatchObject({
      oldRows: 100_000,
      newRows: 100_000,
    });
  });

  it('fails on a changed row and names it', async () => {
    await copy.query(`update digoal.userinfo set info = 'tampered' where userid = ${23 + 32 * 500}`);
    const report = await compareTables(original, copy, ['userinfo']);
    expect(report.passed).toBe(false);
    expect(report.differences).toHaveLength(1);
    expect(report.differences[0]).toMatchObject({ table: 'userinfo', userid: 23 + 32 * 500 });
    expect(report.differences[0]?.new).toContain('tampered');
    await reset();
  });

  it.each(['fast', 'gentle'] as const)(
    'fails on a deleted row and on an added row, naming each key (%s pace)',
    async (pace) => {
      await copy.query(`delete from digoal.session where userid = ${23 + 32 * 7}`);
      await copy.query(`insert into digoal.tbl_small values (900001, 'extra')`);
      const report = await compareTables(original, copy, ['session', 'tbl_small'], pace);
      expect(report.passed).toBe(false);
      expect(report.differences.map((d) => [d.table, d.userid, d.old === null, d.new === null])).toEqual([
        ['session', 23 + 32 * 7, false, true],
        ['tbl_small', 900001, true, false],
      ]);
      await reset();
    },
  );

  it('fails on a timestamp moved by one microsecond', async () => {
    const userid = 23 + 32 * 4321;
    await copy.query(
      `update digoal.session set last_login = last_login + interval '1 microsecond' where userid = ${userid}`,
    );
    const report = await compareTables(original, copy, ['session']);
    expect(report.passed).toBe(false);
    expect(report.differences.map((d) => [d.table, d.userid])).toEqual([['session', userid]]);
    await reset();
  });

  it('fails on NULL against an empty string', async () => {
    const userid = 23 + 32 * 99_000;
    await original.query(`update digoal.userinfo set info = '' where userid = ${userid}`);
    await copy.query(`update digoal.userinfo set info = null where userid = ${userid}`);
    const report = await compareTables(original, copy, ['userinfo']);
    expect(report.passed).toBe(false);
    expect(report.differences).toEqual([
      { table: 'userinfo', userid, old: `(23,${userid},"")`, new: `(23,${userid},)` },
    ]);
    await reset();
  });

  it("fails on two rows' values swapped, naming both", async () => {
    const [a, b] = [23 + 32 * 10, 23 + 32 * 60_000];
    await copy.query(
      `update digoal.userinfo u set info = o.info from digoal.userinfo o
        where (u.userid, o.userid) in ((${a}, ${b}), (${b}, ${a}))`,
    );
    const report = await compareTables(original, copy, ['userinfo']);
    expect(report.passed).toBe(false);
    expect(report.differences.map((d) => d.userid)).toEqual([a, b]);
    await reset();
  });

  it('fails on one extra row at the end of the key space', async () => {
    const userid = 2_000_000_023;
    await copy.query(`insert into digoal.userinfo values (23, ${userid}, 'extra')`);
    const report = await compareTables(original, copy, ['userinfo']);
    expect(report.passed).toBe(false);
    expect(report.tables[0]).toMatchObject({ oldRows: 100_000, newRows: 100_001 });
    expect(report.differences).toEqual([
      { table: 'userinfo', userid, old: null, new: `(23,${userid},extra)` },
    ]);
    await reset();
  });

  it("fails when the two sides' columns differ, naming them", async () => {
    await copy.query('alter table digoal.tbl_small add column note text');
    const report = await compareTables(original, copy, ['tbl_small']);
    expect(report.passed).toBe(false);
    expect(report.tables[0]?.columnsDiffer?.new).toContain('note text');
    await reset();
  });

  it('fails on a missing log row', async () => {
    await original.query('insert into digoal.login_log (userid, login_time) values (55, now())');
    const report = await compareTables(original, copy, ['login_log']);
    expect(report.passed).toBe(false);
    expect(report.differences[0]).toMatchObject({ table: 'login_log', userid: 55, new: null });
  });
});
