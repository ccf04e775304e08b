import type pg from 'pg';
import type { NodeAccess } from '../db/node-access.ts';
import { onNode } from '../db/node-session.ts';
import { databaseStates } from '../db/ownership.ts';
import { livePoolerDatabases, retargetPoolerDatabase, withPoolerAdmin } from '../provision/pooler-control.ts';
import { partitionConnstring } from '../schema/cluster-connstrings.ts';
import type { MigrationContext } from './migration-context.ts';
import type { RouteEvidence } from './phase-evidence.ts';

export const readOnlyOption = ['options', '-c default_transaction_read_only=true'] as const;

/**
 * Points partition N of the PL/Proxy cluster at a node, optionally frozen read-only: the
 * seed's `ALTER SERVER ... OPTIONS (SET pN '<connstring>')`. Each proxy backend picks the
 * change up at the start of its next transaction. Returns the connstring and the proxy's
 * clock just after the change committed, read in the same message: a proxy transaction that
 * began before that instant may still run on the previous connstring, and one that began
 * later cannot. A second round trip would widen the instant by its latency, and on a busy
 * host a transaction begun in between would be taken for one on the old connstring.
 */
export async function setPartitionTarget(
  proxy: pg.Client,
  clusterName: string,
  partition: number,
  node: NodeAccess,
  readOnly: boolean,
): Promise<{ connstring: string; committedAtProxyClock: string }> {
  const connstring = partitionConnstring(partition, node, readOnly ? [readOnlyOption] : []);
  const alter = `alter server ${proxy.escapeIdentifier(clusterName)} options (set ${proxy.escapeIdentifier(`p${partition}`)} ${proxy.escapeLiteral(connstring)})`;
  // One simple Query: the explicit commit ends the implicit block, the clock is read after it.
  const results = (await proxy.query(
    `${alter}; commit; select clock_timestamp()::text as at`,
  )) as unknown as pg.QueryResult<{ at: string }>[];
  const at = results.at(-1)?.rows[0]?.at;
  if (!at) throw new Error('the proxy did not return its clock after the ALTER SERVER');
  return { connstring, committedAtProxyClock: at };
}

/**
 * Sends the partition to a node, read-write. On a pooled topology the pooler is retargeted
 * and PL/Proxy's configuration is not touched, so no proxy backend reconnects anything;
 * else the seed's ALTER SERVER, after which every proxy backend reconnects to every partition.
 */
export async function routePartition(
  context: MigrationContext,
  role: 'old' | 'new',
  evidence: RouteEvidence,
): Promise<void> {
  const pooler = context.nodes.proxy.pooler;
  const node = context.nodes[role];
  if (!pooler) {
    const target = await onNode(context, 'proxy', context.config.topology.proxyDatabase, (c) =>
      setPartitionTarget(c, context.config.topology.clusterName, context.partition, node, false),
    );
    evidence.connstring = target.connstring;
    return;
  }
  const target = { name: context.database, host: node.peerHost, port: node.peerPort };
  const { drainedMillis, drained, left } = await withPoolerAdmin(
    pooler,
    context.config.connectTimeoutMillis,
    (admin) =>
      retargetPoolerDatabase(admin, context.handle, target, context.config.migration.barrierTimeoutMillis),
  );
  evidence.pooler = `${target.name} -> ${target.host}:${target.port}`;
  evidence.drainedMillis = drainedMillis;
  evidence.connectionsDrained = drained;
  if (left > 0) evidence.connectionsStillOnOld = left;
}

/**
 * Whether old's shard database carries the freeze triggers: false when it does not exist,
 * undefined when old cannot be reached (a fault, a crash) and nobody can tell.
 */
async function oldTablesFrozen(context: MigrationContext): Promise<boolean | undefined> {
  return onNode(context, 'old', 'postgres', async (c) => {
    if (!(await databaseStates(c, [context.database])).get(context.database)?.exists) return false;
    return onNode(context, 'old', context.database, async (db) => {
      const { rowCount } = await db.query(`select 1 from pg_namespace where nspname = 'shardmove_freeze'`);
      return rowCount === 1;
    });
  }).catch(() => undefined);
}

export interface PartitionHome {
  readonly home: 'old' | 'new' | 'elsewhere';
  /**
   * Writes to the partition are rejected: by its connstring, or (on old) by the freeze
   * triggers, or old cannot be reached to tell.
   */
  readonly readOnly: boolean;
  readonly connstringReadOnly: boolean;
  readonly tablesFrozen: boolean | undefined;
  readonly connstring: string;
}

/**
 * Where the proxy's cluster sends the context's partition now, read from its connstring
 * (the node whose peer address it names, or on a pooled topology the node the pooler
 * forwards the shard database to), and whether writes to it are frozen, by either
 * freeze method.
 */
export async function partitionHome(context: MigrationContext): Promise<PartitionHome> {
  const { config, partition, nodes } = context;
  const { rows } = await onNode(context, 'proxy', config.topology.proxyDatabase, (proxy) =>
    proxy.query<{ o: string }>(
      `select o from pg_foreign_server, unnest(srvoptions) o where srvname = $1 and o like $2`,
      [config.topology.clusterName, `p${partition}=%`],
    ),
  );
  const connstring = rows[0]?.o.slice(`p${partition}=`.length) ?? '';
  const field = (name: string) => new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(connstring)?.[1];
  let target = { host: field('host'), port: field('port') };
  const pooler = nodes.proxy.pooler;
  if (pooler && target.host === pooler.peerHost && target.port === String(pooler.peerPort)) {
    // Through the pooler: the home is where the pooler forwards the database now.
    const live = await withPoolerAdmin(pooler, config.connectTimeoutMillis, livePoolerDatabases);
    const entry = live.find((d) => d.name === context.database);
    target = { host: entry?.host, port: entry ? String(entry.port) : undefined };
  }
  const at = (n: NodeAccess) => target.host === n.peerHost && target.port === String(n.peerPort);
  const home = at(nodes.old) ? 'old' : at(nodes.new) ? 'new' : 'elsewhere';
  const connstringReadOnly = connstring.includes(readOnlyOption[1]);
  const tablesFrozen = await oldTablesFrozen(context);
  return {
    home,
    // On an old that cannot be reached, writes cannot be shown to work: not read-write.
    readOnly: connstringReadOnly || (home === 'old' && tablesFrozen !== false),
    connstringReadOnly,
    tablesFrozen,
    connstring,
  };
}
