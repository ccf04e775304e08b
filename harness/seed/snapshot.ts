import type pg from 'pg';
import type { NodeRole, ShardmoveConfig } from '../config/config-types.ts';
import { shardDatabase, topologyLayout } from '../config/topology-layout.ts';
import { withClient } from '../db/connect.ts';
import type { NodeAccess } from '../db/node-access.ts';
import { createOwnedDatabase, databaseStates, dropDatabase } from '../db/ownership.ts';
import { DestructiveActionRefused, ShardmoveError } from '../errors.ts';
import { mapLimit } from '../util/map-limit.ts';

type Nodes = Readonly<Record<NodeRole, NodeAccess>>;

export function snapshotDatabase(shard: number): string {
  return `${shardDatabase(shard)}_seeded`;
}

/**
 * Snapshots drop databases and terminate their sessions: both only on what this run
 * created, unless told otherwise (--allow-destructive).
 */
async function requireOwned(
  client: pg.Client,
  names: readonly string[],
  runId: string,
  config: ShardmoveConfig,
  role: NodeRole,
): Promise<void> {
  if (config.allowDestructive) return;
  const states = await databaseStates(client, names);
  const foreign = names.filter((name) => {
    const state = states.get(name);
    return state?.exists && state.ownedBy !== runId;
  });
  if (foreign.length > 0) {
    throw new DestructiveActionRefused(
      `${foreign.map((n) => `${role}/${n}`).join(', ')} not created by this run (${runId}): not dropping or disconnecting it`,
    );
  }
}

/** CREATE DATABASE ... TEMPLATE needs the source to have no other sessions (the proxy keeps some). */
async function copyDatabase(client: pg.Client, from: string, to: string, runId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await client.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [from],
    );
    try {
      await createOwnedDatabase(client, to, runId, from);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || attempt >= 5) throw error;
    }
  }
}

/** Runs fn for each shard on a connection to the backend that hosts it, four at a time. */
async function onEachShardBackend(
  nodes: Nodes,
  config: ShardmoveConfig,
  shards: readonly number[],
  fn: (client: pg.Client, shard: number, node: NodeAccess) => Promise<void>,
): Promise<void> {
  await mapLimit(shards, 4, async (shard) => {
    const node = nodes[topologyLayout(config.topology).backendOf(shard)];
    await withClient(node.endpoint, node.endpoint.database, config, (c) => fn(c, shard, node), node.role);
  });
}

/**
 * Keeps a copy of each shard's seeded state as a template database (dbN_seeded), so a
 * rehearsal can be repeated from the same data without seeding again: restoring is a
 * file-level copy, reseeding regenerates rows and rebuilds indexes.
 */
export async function snapshotShards(
  nodes: Nodes,
  config: ShardmoveConfig,
  runId: string,
  shards: readonly number[],
): Promise<void> {
  await onEachShardBackend(nodes, config, shards, async (c, shard, node) => {
    await requireOwned(c, [shardDatabase(shard), snapshotDatabase(shard)], runId, config, node.role);
    await dropDatabase(c, snapshotDatabase(shard));
    await copyDatabase(c, shardDatabase(shard), snapshotDatabase(shard), runId);
  });
}

/** Puts each shard back to its snapshot: dbN is dropped (its sessions with it) and copied anew. */
export async function restoreShards(
  nodes: Nodes,
  config: ShardmoveConfig,
  runId: string,
  shards: readonly number[],
): Promise<void> {
  await onEachShardBackend(nodes, config, shards, async (c, shard, node) => {
    const state = (await databaseStates(c, [snapshotDatabase(shard)])).get(snapshotDatabase(shard));
    if (!state?.exists) {
      throw new ShardmoveError(`no snapshot of ${shardDatabase(shard)} on ${node.role}`, {
        hint: 'take one with `shardmove seed --snapshot`',
      });
    }
    await requireOwned(c, [shardDatabase(shard), snapshotDatabase(shard)], runId, config, node.role);
    await dropDatabase(c, shardDatabase(shard));
    await copyDatabase(c, snapshotDatabase(shard), shardDatabase(shard), runId);
  });
}
