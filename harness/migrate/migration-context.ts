import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { NodeRole, ShardmoveConfig } from '../config/config-types.ts';
import { shardDatabase } from '../config/topology-layout.ts';
import { connect } from '../db/connect.ts';
import type { EventSink } from '../events.ts';
import type { NodeAccess, NodesHandle } from '../provision/provider.ts';

/** What the phases of one migration share: where things are, and what earlier phases found. */
export interface MigrationContext {
  readonly config: ShardmoveConfig;
  readonly nodes: Readonly<Record<NodeRole, NodeAccess>>;
  readonly runId: string;
  /**
   * Names this migration: new's copy carries it, the journal keeps it, and a rollback drops
   * only a copy that carries it (never old's shard on a server that turned out to be both).
   */
  readonly migrationId: string;
  readonly events: EventSink;
  readonly partition: number;
  readonly database: string;
  marks: {
    freezeAt?: number;
    /** The connstring freeze's commit on the proxy's clock (clock_timestamp() right after it). */
    freezeAtProxyClock?: string | undefined;
    barrierAt?: number;
    switchAt?: number;
    oldLogRowsAtBarrier?: number;
  };
  /** A snapshot of new exported at the switch and held open for the parity check after it (logical). */
  heldSnapshot?: { readonly id: string; close(): Promise<void> } | undefined;
  /**
   * Connections opened ahead of a short freeze and reused by onNode, keyed `role/database`:
   * inside the freeze every connection setup is write outage.
   */
  pinned?: Map<string, pg.Client> | undefined;
  /** How to reach the nodes' processes, for the fault matrix (kill, pause). */
  readonly handle?: NodesHandle | undefined;
  /** The fault that was injected, when and how, for the report. */
  fault?: InjectedFault | undefined;
}

export interface InjectedFault {
  kind: string;
  phase: string;
  injectedAt: number;
  detail: string;
  /** False when the injection itself failed: the run then proves nothing about the fault. */
  injected: boolean;
}

export function migrationContext(
  config: ShardmoveConfig,
  nodes: Readonly<Record<NodeRole, NodeAccess>>,
  runId: string,
  events: EventSink,
  handle?: NodesHandle,
  migrationId: string = newMigrationId(),
): MigrationContext {
  const partition = config.topology.movePartition;
  return {
    config,
    nodes,
    runId,
    migrationId,
    events,
    partition,
    database: shardDatabase(partition),
    marks: {},
    handle,
  };
}

export function newMigrationId(): string {
  return randomBytes(4).toString('hex');
}

/** A connection to a node's database for the length of fn. */
export async function onNode<T>(
  context: MigrationContext,
  role: NodeRole,
  database: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const pinned = context.pinned?.get(`${role}/${database}`);
  if (pinned) return fn(pinned);
  const node = context.nodes[role];
  const client = await connect(
    { ...node.endpoint, database },
    database,
    context.config,
    `${role}/${database}`,
  );
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export function proxyDatabase(context: MigrationContext): string {
  return context.config.topology.proxyDatabase;
}

/** Opens and pins one connection per `role/database` for the phases that follow. */
export async function pinConnections(
  context: MigrationContext,
  targets: ReadonlyArray<readonly [NodeRole, string]>,
): Promise<void> {
  context.pinned ??= new Map();
  for (const [role, database] of targets) {
    const key = `${role}/${database}`;
    if (context.pinned.has(key)) continue;
    const node = context.nodes[role];
    context.pinned.set(key, await connect({ ...node.endpoint, database }, database, context.config, key));
  }
}

export async function unpinConnections(context: MigrationContext): Promise<void> {
  const pinned = context.pinned;
  context.pinned = undefined;
  await Promise.all([...(pinned?.values() ?? [])].map((c) => c.end().catch(() => {})));
}
