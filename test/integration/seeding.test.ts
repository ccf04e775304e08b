import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardmoveConfig } from '../../harness/config/config-types.ts';
import { shardDatabase, topologyLayout } from '../../harness/config/topology-layout.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { seedTopology } from '../../harness/seed/seed-topology.ts';
import { restoreShards, snapshotShards } from '../../harness/seed/snapshot.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { testConfig } from '../support/config.ts';
import { testProviders } from '../support/providers.ts';
import { databaseNames, query } from '../support/sql.ts';

// Seeding does not depend on where the nodes run: one provider is enough.
const provider = testProviders()[0] ?? 'local';

describe(`seeding the ci profile (${provider})`, () => {
  let topology: StartedTopology;
  const shardQuery = <R extends Record<string, unknown>>(shard: number, sql: string) => {
    const node = topology.nodes[topologyLayout(topology.config.topology).backendOf(shard)];
    return query<R>(node.endpoint, shardDatabase(shard), sql);
  };
  const checksum = async (shard: number, table: 'userinfo' | 'session' | 'tbl_small') =>
    (
      await shardQuery<{ md5: string }>(
        shard,
        `select md5(string_agg(t::text, E'\\n' order by userid)) from digoal.${table} t`,
      )
    )[0]?.md5;
  const reseed = (overrides: Partial<ShardmoveConfig['seeding']>) =>
    seedTopology(
      topology.nodes,
      { ...topology.config, seeding: { ...topology.config.seeding, ...overrides, truncate: true } },
      ignoreEvents,
    );

  beforeAll(async () => {
    topology = await startTopology({
      config: await testConfig(provider, { seeding: { profile: 'ci' } }),
      events: ignoreEvents,
    });
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it('loads 100k/100k/50k on the moved shard and 10k/10k/5k on every other, with primary keys', async () => {
    expect(topology.seeding.status).toBe('seeded');
    for (let shard = 0; shard < 32; shard++) {
      const [counts] = await shardQuery<{
        userinfo: string;
        session: string;
        tbl_small: string;
        pks: string;
      }>(
        shard,
        `select (select count(*) from digoal.userinfo) userinfo, (select count(*) from digoal.session) session,
                (select count(*) from digoal.tbl_small) tbl_small,
                (select count(*) from pg_constraint where contype = 'p' and connamespace = 'digoal'::regnamespace) pks`,
      );
      const moved = shard === 23;
      expect(counts, `db${shard}`).toEqual({
        userinfo: moved ? '100000' : '10000',
        session: moved ? '100000' : '10000',
        tbl_small: moved ? '50000' : '5000',
        pks: '3',
      });
    }
  });

  it("follows the seed's key layout: every userid in shard N is N mod 32, session mirrors userinfo", async () => {
    for (const shard of [0, 7, 8, 23, 31]) {
      const [layout] = await shardQuery<{
        congruent: boolean;
        min: number;
        mirrored: boolean;
        small: boolean;
      }>(
        shard,
        `select bool_and(userid % 32 = ${shard}) congruent, min(userid) min,
                not exists (select userid from digoal.userinfo except select userid from digoal.session) mirrored,
                (select min(userid) = 1 and max(userid) = count(*) from digoal.tbl_small) small
           from digoal.userinfo`,
      );
      expect(layout).toEqual({ congruent: true, min: shard, mirrored: true, small: true });
    }
  });

  it('gives the same rows for the same faker seed and different rows for another', async () => {
    const first = await checksum(23, 'userinfo');
    const firstSession = await checksum(23, 'session');
    const otherShardSmall = await checksum(5, 'tbl_small');
    await reseed({});
    expect(await checksum(23, 'userinfo')).toBe(first);
    expect(await checksum(23, 'session')).toBe(firstSession);
    // tbl_small holds the same rows on every shard (the seed's design), so shard 5's first 5000 equal shard 23's.
    const [same] = await shardQuery<{ md5: string }>(
      23,
      `select md5(string_agg(t::text, E'\\n' order by userid)) from digoal.tbl_small t where userid <= 5000`,
    );
    expect(same?.md5).toBe(otherShardSmall);
    await reseed({ fakerSeed: topology.config.seeding.fakerSeed + 1 });
    expect(await checksum(23, 'userinfo')).not.toBe(first);
    expect(await checksum(23, 'session')).not.toBe(firstSession);
  });

  it('leaves info and last_login NULL in seed mode, as the article does', async () => {
    await reseed({ data: 'seed' });
    const [nulls] = await shardQuery<{ info: string; last_login: string; small: string; dbid: boolean }>(
      23,
      `select (select count(info) from digoal.userinfo) info, (select count(last_login) from digoal.session) last_login,
              (select count(info) from digoal.tbl_small) small, (select bool_and(dbid = 23) from digoal.userinfo) dbid`,
    );
    expect(nulls).toEqual({ info: '0', last_login: '0', small: '0', dbid: true });
  });

  it('restores shards from a snapshot to exactly their seeded rows', async () => {
    const shards = [5, 23];
    const before = [await checksum(23, 'userinfo'), await checksum(5, 'session')];
    await snapshotShards(topology.nodes, topology.config, topology.runId, shards);
    await shardQuery(23, `update digoal.userinfo set info = 'changed' where userid = 23`);
    await shardQuery(5, 'delete from digoal.session where userid < 1000');
    expect(await checksum(23, 'userinfo')).not.toBe(before[0]);
    await restoreShards(topology.nodes, topology.config, topology.runId, shards);
    expect([await checksum(23, 'userinfo'), await checksum(5, 'session')]).toEqual(before);
    // The proxy reconnects to the recreated database on its next call.
    const [row] = await query<{ userid: number }>(
      topology.nodes.proxy.endpoint,
      'proxy',
      'select userid from query_pk(23)',
    );
    expect(row?.userid).toBe(23);
  });

  it('neither drops nor disconnects a snapshot or shard another run owns', async () => {
    const old = topology.nodes.old.endpoint;
    await query(
      old,
      'postgres',
      `comment on database db23_seeded is 'created by shardmove run someone-else'`,
    );
    await expect(snapshotShards(topology.nodes, topology.config, topology.runId, [23])).rejects.toThrow(
      /old\/db23_seeded not created by this run/,
    );
    await expect(restoreShards(topology.nodes, topology.config, topology.runId, [23])).rejects.toThrow(
      /old\/db23_seeded not created by this run/,
    );
    expect(await databaseNames(old)).toContain('db23_seeded');
    await query(
      old,
      'postgres',
      `comment on database db23_seeded is 'created by shardmove run ${topology.runId}'`,
    );
  });

  it('leaves a seeded topology alone unless asked to truncate', async () => {
    const outcome = await seedTopology(topology.nodes, topology.config, ignoreEvents);
    expect(outcome.status).toBe('already-seeded');
    const [row] = await shardQuery<{ n: string }>(
      23,
      'select count(*) n from digoal.userinfo where info is null',
    );
    expect(row?.n).toBe('100000');
  });
});
