import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationStrategy } from '../../harness/config/config-types.ts';
import { connect } from '../../harness/db/connect.ts';
import { onNode } from '../../harness/db/node-session.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { type MigrationContext, migrationContext } from '../../harness/migrate/migration-context.ts';
import { createShardOnNew, dropCopyOnNew } from '../../harness/migrate/phases/prepare-new.ts';
import { readinessInput } from '../../harness/migrate/phases/readiness.ts';
import { runMigration } from '../../harness/migrate/run-migration.ts';
import { checkReadiness } from '../../harness/readiness/check-readiness.ts';
import type { Readiness, ReadinessCause } from '../../harness/readiness/readiness.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { testConfig } from '../support/config.ts';
import { testProviders } from '../support/providers.ts';

const provider = testProviders()[0] ?? 'local';

/** Each no-go cause planted on a clean topology, named in the answer, and taken away again. */
describe(`readiness: go or no-go before a move, with reasons (${provider})`, () => {
  let topology: StartedTopology;
  const context = (strategy: MigrationStrategy = 'seed'): MigrationContext =>
    migrationContext(
      { ...topology.config, migration: { ...topology.config.migration, strategy } },
      topology.nodes,
      topology.runId,
      ignoreEvents,
      topology.handle,
    );
  const check = (strategy: MigrationStrategy = 'seed', expectedProxyBackends = 0) =>
    checkReadiness(readinessInput(context(strategy), expectedProxyBackends));
  const item = (r: Readiness, cause: ReadinessCause) => r.items.find((i) => i.cause === cause);
  const noGoCauses = (r: Readiness) => r.items.filter((i) => i.answer === 'no-go').map((i) => i.cause);
  const onOld = <T>(fn: (c: pg.Client) => Promise<T>) => onNode(context(), 'old', 'db23', fn);
  /** A session on old db23 left idle in a transaction while fn runs. */
  const withIdleTransaction = async (fn: () => Promise<void>) => {
    const old = topology.nodes.old.endpoint;
    const idle = await connect({ ...old, database: 'db23' }, 'db23', {
      applicationName: 'left-open',
      connectTimeoutMillis: 10_000,
    });
    try {
      await idle.query('begin; select 1');
      await fn();
    } finally {
      await idle.end();
    }
  };

  beforeAll(async () => {
    topology = await startTopology({
      config: await testConfig(provider, { seeding: { profile: 'ci' } }),
      events: ignoreEvents,
    });
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it.each(['seed', 'matview', 'copy', 'logical'] as const)(
    'answers go on a clean topology (%s)',
    async (strategy) => {
      const answer = await check(strategy);
      expect(answer.items.filter((i) => i.answer === 'no-go')).toEqual([]);
      expect(answer.go).toBe(true);
      expect(item(answer, 'function surface')?.detail).toMatch(/^the 8 functions the proxy calls are on old/);
      expect(item(answer, 'clock skew')?.answer).toBe('go');
    },
  );

  it("compares the functions with new's copy once it exists, and names a body changed there", async () => {
    const ctx = context();
    await createShardOnNew(ctx);
    try {
      const same = await check();
      expect(item(same, 'function surface')).toMatchObject({ answer: 'go' });
      expect(item(same, 'function surface')?.detail).toMatch(/are on old and new$/);
      await onNode(ctx, 'new', 'db23', (c) =>
        c.query(`create or replace function digoal.insert_log(i_userid int) returns void language plpgsql strict
                 as $f$ begin null; end; $f$`),
      );
      const changed = await check();
      expect(changed.go).toBe(false);
      expect(noGoCauses(changed)).toEqual(['function surface']);
      expect(item(changed, 'function surface')?.reasons).toEqual([
        expect.stringMatching(/^digoal\.insert_log\(integer\): body differs/),
      ]);
    } finally {
      await dropCopyOnNew.run(ctx, {});
    }
  });

  it('names a session idle in a transaction on old db23', async () => {
    await withIdleTransaction(async () => {
      const answer = await check();
      expect(noGoCauses(answer)).toEqual(['open transactions']);
      expect(item(answer, 'open transactions')?.reasons).toEqual([
        expect.stringMatching(/^pid \d+ \S+ \(left-open\): idle in transaction/),
      ]);
    });
    expect((await check()).go).toBe(true);
  });

  it('names a table without a primary key, for the logical move only', async () => {
    const pk = await onOld(async (c) => {
      const { rows } = await c.query<{ name: string }>(
        `select conname as name from pg_constraint where conrelid = 'digoal.tbl_small'::regclass and contype = 'p'`,
      );
      const name = rows[0]?.name ?? '';
      await c.query(`alter table digoal.tbl_small drop constraint ${c.escapeIdentifier(name)}`);
      return name;
    });
    try {
      const logical = await check('logical');
      expect(noGoCauses(logical)).toEqual(['table keys']);
      expect(item(logical, 'table keys')?.reasons).toEqual([
        expect.stringMatching(/^digoal\.tbl_small: no primary key/),
      ]);
      expect((await check('copy')).go).toBe(true);
    } finally {
      await onOld((c) =>
        c.query(`alter table digoal.tbl_small add constraint ${c.escapeIdentifier(pk)} primary key (userid)`),
      );
    }
  });

  it('names too few replication slots on old for the logical move', async () => {
    const filled = await onNode(context(), 'old', 'postgres', async (c) => {
      const { rows } = await c.query<{ free: number }>(
        `select current_setting('max_replication_slots')::int - (select count(*) from pg_replication_slots)::int as free`,
      );
      const names = Array.from(
        { length: Math.max(0, (rows[0]?.free ?? 0) - 1) },
        (_, i) => `readiness_test_${i}`,
      );
      for (const name of names) await c.query('select pg_create_physical_replication_slot($1)', [name]);
      return names;
    });
    try {
      const answer = await check('logical');
      expect(noGoCauses(answer)).toEqual(['replication capacity']);
      expect(item(answer, 'replication capacity')?.reasons).toEqual([
        expect.stringMatching(/^old: 1 free replication slot\(s\) of max_replication_slots \d+, 3 needed$/),
      ]);
      expect((await check('seed')).go).toBe(true);
    } finally {
      await onNode(context(), 'old', 'postgres', async (c) => {
        for (const name of filled) await c.query('select pg_drop_replication_slot($1)', [name]);
      });
    }
  });

  it('names max_connections on new too low for the proxy backends that will arrive', async () => {
    const answer = await check('seed', 100_000);
    expect(noGoCauses(answer)).toEqual(['connections on new']);
    expect(item(answer, 'connections on new')?.reasons).toEqual([
      expect.stringMatching(/^new: max_connections \d+ leaves \d+ free, 100004 needed$/),
    ]);
  });

  it('is the first phase of every migration: a no-go stops the move before anything changed', async () => {
    await withIdleTransaction(async () => {
      const result = await runMigration(context('copy'));
      expect(result.phases[0]).toMatchObject({ name: 'readiness', status: 'failed' });
      expect(result.phases[0]?.status === 'failed' && result.phases[0].error).toMatch(
        /open transactions: pid \d+/,
      );
      expect(result.phases.slice(1).every((p) => p.status === 'not-run')).toBe(true);
      expect(result.outcome).toBe('rolled-back');
      expect(result.state).toMatch(/^no-go at the readiness gate, nothing changed/);
      const newHasCopy = await onNode(context(), 'new', 'postgres', async (c) => {
        return (await c.query(`select 1 from pg_database where datname = 'db23'`)).rowCount === 1;
      });
      expect(newHasCopy).toBe(false);
    });
  });
});
