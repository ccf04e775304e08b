import type { NodeRole, ShardmoveConfig } from '../config/config-types.ts';
import { shardDatabase, topologyLayout } from '../config/topology-layout.ts';
import { withClient } from '../db/connect.ts';
import type { NodeAccess } from '../db/node-access.ts';
import type { EventSink } from '../events.ts';
import { runSqlFolder } from '../schema/sql-files.ts';
import { runUserSqlFile, schemaVars } from '../schema/user-sql-file.ts';
import { mapLimit } from '../util/map-limit.ts';
import { copyShard } from './copy-shard.ts';
import { type ShardPlan, seedPlan, shardRows } from './seed-plan.ts';

export type SeedOutcome =
  | {
      readonly status: 'seeded';
      readonly rows: number;
      readonly durationMillis: number;
      readonly rowsPerSecond: number;
    }
  | { readonly status: 'already-seeded'; readonly seededShards: number[] }
  | { readonly status: 'skipped' };

type Nodes = Readonly<Record<NodeRole, NodeAccess>>;

function shardEndpoint(nodes: Nodes, config: ShardmoveConfig, shard: number) {
  const node = nodes[topologyLayout(config.topology).backendOf(shard)];
  const database = shardDatabase(shard);
  return { endpoint: { ...node.endpoint, database }, database, what: `${node.role}/${database}` };
}

async function seededShards(
  nodes: Nodes,
  config: ShardmoveConfig,
  plan: readonly ShardPlan[],
): Promise<number[]> {
  const found = await mapLimit(plan, 8, async ({ shard }) => {
    const { endpoint, database, what } = shardEndpoint(nodes, config, shard);
    return withClient(
      endpoint,
      database,
      config,
      async (c) => {
        const { rows } = await c.query<{ any: boolean }>(
          'select exists (select 1 from digoal.userinfo) or exists (select 1 from digoal.tbl_small) as any',
        );
        return rows[0]?.any ? shard : undefined;
      },
      what,
    );
  });
  return found.filter((s): s is number => s !== undefined);
}

/**
 * Loads every shard by COPY, shards in parallel, then adds the primary keys and analyzes,
 * as the article does. A topology that already holds rows is left alone unless
 * seeding.truncate is set: re-running is safe.
 */
export async function seedTopology(
  nodes: Nodes,
  config: ShardmoveConfig,
  events: EventSink,
): Promise<SeedOutcome> {
  const plan = seedPlan(config);
  if (plan.length === 0) return { status: 'skipped' };
  const existing = await seededShards(nodes, config, plan);
  if (existing.length > 0 && !config.seeding.truncate) {
    events({
      type: 'warning',
      message: `already seeded (${existing.length} shards hold rows): left as is; pass --truncate to reseed`,
    });
    return { status: 'already-seeded', seededShards: existing };
  }
  const started = performance.now();
  const total = plan.reduce((sum, p) => sum + shardRows(p), 0);
  await mapLimit(plan, config.seeding.parallelShards, async (shardPlan) => {
    const { endpoint, database, what } = shardEndpoint(nodes, config, shardPlan.shard);
    const step = `seed ${database}`;
    const shardTotal = shardRows(shardPlan);
    const shardStarted = performance.now();
    let done = 0;
    let lastEmit = 0;
    const emit = () => {
      const seconds = (performance.now() - shardStarted) / 1000;
      const ratePerSecond = seconds > 0 ? done / seconds : 0;
      const etaSeconds = ratePerSecond > 0 ? (shardTotal - done) / ratePerSecond : undefined;
      events({
        type: 'progress',
        step,
        done,
        total: shardTotal,
        unit: 'rows',
        ratePerSecond,
        ...(etaSeconds === undefined ? {} : { etaSeconds }),
      });
    };
    events({ type: 'step-start', step });
    await withClient(
      endpoint,
      database,
      config,
      async (c) => {
        // Also drops keys a schema installed without seeding has, so ADD CONSTRAINT after the load works.
        await runSqlFolder(c, 'data-node-reset', { shard: shardPlan.shard });
        await copyShard(c, shardPlan, {
          data: config.seeding.data,
          fakerSeed: config.seeding.fakerSeed,
          partitions: config.topology.partitions,
          onRows: (n) => {
            done += n;
            if (performance.now() - lastEmit > 250) {
              lastEmit = performance.now();
              emit();
            }
          },
        });
        emit();
        await runSqlFolder(c, 'data-node-keys', { shard: shardPlan.shard });
        for (const file of config.schema.fill)
          await runUserSqlFile(c, file, schemaVars(config, shardPlan.shard, database), `fill ${database}`);
      },
      what,
    );
    events({ type: 'step-end', step, durationMillis: performance.now() - shardStarted, outcome: 'ok' });
  });
  const durationMillis = performance.now() - started;
  return { status: 'seeded', rows: total, durationMillis, rowsPerSecond: total / (durationMillis / 1000) };
}
