import type { BackendName, NodeRole, ShardmoveConfig } from '../config/config-types.ts';
import { shardDatabase, topologyLayout } from '../config/topology-layout.ts';
import { withClient } from '../db/connect.ts';
import type { NodeAccess } from '../db/node-access.ts';
import { createOwnedDatabase, databaseStates, dropDatabase } from '../db/ownership.ts';
import { DestructiveActionRefused } from '../errors.ts';
import type { EventSink } from '../events.ts';
import { mapLimit } from '../util/map-limit.ts';
import { partitionConnstring } from './cluster-connstrings.ts';
import { renderSql, runSqlFolder, sqlFiles } from './sql-files.ts';
import { runUserSqlFile, schemaVars } from './user-sql-file.ts';

export interface InstallOptions {
  readonly config: ShardmoveConfig;
  readonly runId: string;
  readonly events: EventSink;
  /** Add primary keys now; a seeding step adds them after its bulk load instead. */
  readonly primaryKeys: boolean;
  /**
   * The article's access on the proxy: a user mapping for PUBLIC and dy/dy_ddl executable by
   * PUBLIC. Only on a topology shardmove provisioned; an external proxy's other roles must
   * not run SQL on every shard as the backend role.
   */
  readonly openToPublic: boolean;
}

type Nodes = Readonly<Record<NodeRole, NodeAccess>>;

/** Which databases each node needs, and whether any of them belongs to someone else. */
async function planDatabases(nodes: Nodes, options: InstallOptions): Promise<Record<NodeRole, string[]>> {
  const { config } = options;
  const layout = topologyLayout(config.topology);
  const wanted: Record<NodeRole, string[]> = {
    proxy: [config.topology.proxyDatabase],
    old: layout.byBackend.old.map(shardDatabase),
    new: layout.byBackend.new.map(shardDatabase),
  };
  const foreign: string[] = [];
  for (const role of ['proxy', 'old', 'new'] as const) {
    const node = nodes[role];
    const states = await withClient(
      node.endpoint,
      node.endpoint.database,
      config,
      (c) => databaseStates(c, wanted[role]),
      role,
    );
    for (const [name, state] of states) {
      // Another shardmove run's database is someone's too: that run may still be using it.
      if (state.exists && state.ownedBy !== options.runId)
        foreign.push(`${role}/${name}${state.ownedBy ? ` (shardmove run ${state.ownedBy})` : ''}`);
    }
  }
  if (foreign.length > 0 && !config.allowDestructive) {
    throw new DestructiveActionRefused(
      `these databases exist and were not created by this run; installing the schema would drop them: ${foreign.join(', ')}`,
    );
  }
  return wanted;
}

async function recreate(node: NodeAccess, name: string, options: InstallOptions): Promise<void> {
  await withClient(
    node.endpoint,
    node.endpoint.database,
    options.config,
    async (c) => {
      await dropDatabase(c, name);
      await createOwnedDatabase(c, name, options.runId);
    },
    node.role,
  );
}

async function installShards(
  backend: BackendName,
  nodes: Nodes,
  options: InstallOptions,
  onShard: () => void,
): Promise<void> {
  const node = nodes[backend];
  const partitions = topologyLayout(options.config.topology).byBackend[backend];
  await mapLimit(partitions, 4, async (partition) => {
    const db = shardDatabase(partition);
    await recreate(node, db, options);
    await withClient(
      { ...node.endpoint, database: db },
      db,
      options.config,
      async (c) => {
        await runSqlFolder(c, 'data-node', { shard: partition });
        if (options.primaryKeys) await runSqlFolder(c, 'data-node-keys', { shard: partition });
        for (const file of options.config.schema.dataNode)
          await runUserSqlFile(c, file, schemaVars(options.config, partition, db), `schema ${backend}/${db}`);
      },
      `${backend}/${db}`,
    );
    onShard();
  });
}

async function installProxy(nodes: Nodes, options: InstallOptions): Promise<void> {
  const { config } = options;
  const proxy = nodes.proxy;
  const layout = topologyLayout(config.topology);
  const db = config.topology.proxyDatabase;
  await recreate(proxy, db, options);
  // A pooled topology sends every partition to the pooler, which knows each one's node.
  const connstrings = Array.from({ length: layout.partitions }, (_, p) =>
    partitionConnstring(p, proxy.pooler ?? nodes[layout.backendOf(p)]),
  );
  await withClient(
    { ...proxy.endpoint, database: db },
    db,
    config,
    async (c) => {
      const files = await sqlFiles('proxy');
      for (const file of files) {
        await c.query(renderSql(file, { cluster: layout.clusterName }));
        if (file.name.endsWith('_cluster_helpers.sql')) {
          await c.query('select pg_temp.shardmove_create_cluster($1, $2, $3, $4, $5)', [
            layout.clusterName,
            connstrings,
            config.topology.connectionLifetimeSeconds,
            nodes.old.endpoint.user,
            options.openToPublic,
          ]);
        }
      }
      for (const file of config.schema.proxy)
        await runUserSqlFile(c, file, schemaVars(config, config.topology.movePartition, db), 'proxy schema');
      if (!options.openToPublic) {
        await c.query('revoke execute on function public.dy(text), public.dy_ddl(text) from public');
      }
      options.events({
        type: 'info',
        message: options.openToPublic
          ? `proxy access as the article has it: user mapping for PUBLIC, dy/dy_ddl executable by PUBLIC (this topology is shardmove's own)`
          : `proxy access: user mapping for ${proxy.endpoint.user} only; dy/dy_ddl executable by ${proxy.endpoint.user} only (not PUBLIC)`,
      });
    },
    'proxy',
  );
}

/**
 * Creates the shard databases with the seed's schema and functions on old and new, then
 * the proxy database with PL/Proxy, the cluster and the proxy functions. Checks ownership
 * of every database first, so a refusal changes nothing.
 */
export async function installSchema(nodes: Nodes, options: InstallOptions): Promise<void> {
  await planDatabases(nodes, options);
  const total = options.config.topology.partitions;
  let done = 0;
  const onShard = () => {
    done++;
    options.events({ type: 'progress', step: 'install schema', done, total, unit: 'shards' });
  };
  await Promise.all([
    installShards('old', nodes, options, onShard),
    installShards('new', nodes, options, onShard),
  ]);
  await installProxy(nodes, options);
}
