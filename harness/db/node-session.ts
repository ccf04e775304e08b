import type pg from 'pg';
import type { NodeRole } from '../config/config-types.ts';
import { type ConnectOptions, connect } from './connect.ts';
import type { NodeAccess } from './node-access.ts';

/**
 * The one way every stage above provisioning talks to a node: a session on a role's
 * database. Migration phases, parity, checks and faults take this, not each other.
 */
export interface NodeSessions {
  readonly config: ConnectOptions;
  readonly nodes: Readonly<Record<NodeRole, NodeAccess>>;
  /**
   * Connections opened ahead of a short freeze and reused by onNode, keyed `role/database`:
   * inside the freeze every connection setup is write outage.
   */
  pinned?: Map<string, pg.Client> | undefined;
}

/** A connection to a node's database for the length of fn (the pinned one, if there is one). */
export async function onNode<T>(
  sessions: NodeSessions,
  role: NodeRole,
  database: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const pinned = sessions.pinned?.get(`${role}/${database}`);
  if (pinned) return fn(pinned);
  const node = sessions.nodes[role];
  const client = await connect(
    { ...node.endpoint, database },
    database,
    sessions.config,
    `${role}/${database}`,
  );
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Opens and pins one connection per `role/database` for the phases that follow. */
export async function pinConnections(
  sessions: NodeSessions,
  targets: ReadonlyArray<readonly [NodeRole, string]>,
): Promise<void> {
  sessions.pinned ??= new Map();
  for (const [role, database] of targets) {
    const key = `${role}/${database}`;
    if (sessions.pinned.has(key)) continue;
    const node = sessions.nodes[role];
    sessions.pinned.set(key, await connect({ ...node.endpoint, database }, database, sessions.config, key));
  }
}

export async function unpinConnections(sessions: NodeSessions): Promise<void> {
  const pinned = sessions.pinned;
  sessions.pinned = undefined;
  await Promise.all([...(pinned?.values() ?? [])].map((c) => c.end().catch(() => {})));
}
