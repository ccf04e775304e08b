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

function openSession(
  sessions: NodeSessions,
  role: NodeRole,
  database: string,
  what: string,
): Promise<pg.Client> {
  return connect({ ...sessions.nodes[role].endpoint, database }, database, sessions.config, what);
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
  const client = await openSession(sessions, role, database, `${role}/${database}`);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const pinKey = (role: NodeRole, database: string, label?: string) =>
  label === undefined ? `${role}/${database}` : `${role}/${database}#${label}`;

/**
 * Opens and pins one connection per `role/database` for the phases that follow. With a
 * label, the connection is one apart (a session holding a snapshot), which onNode does
 * not hand out: takePinned does.
 */
export async function pinConnections(
  sessions: NodeSessions,
  targets: ReadonlyArray<readonly [NodeRole, string]>,
  label?: string,
): Promise<void> {
  sessions.pinned ??= new Map();
  for (const [role, database] of targets) {
    const key = pinKey(role, database, label);
    if (sessions.pinned.has(key)) continue;
    sessions.pinned.set(key, await openSession(sessions, role, database, key));
  }
}

/**
 * Takes a labelled pinned connection out of the pins: the caller owns it from now on (and
 * ends it), and unpinning no longer closes it. Throws when it was not opened.
 */
export function takePinned(
  sessions: NodeSessions,
  role: NodeRole,
  database: string,
  label: string,
): pg.Client {
  const key = pinKey(role, database, label);
  const client = sessions.pinned?.get(key);
  if (!client) throw new Error(`no ${label} session to ${role}/${database} was opened`);
  sessions.pinned?.delete(key);
  return client;
}

export async function unpinConnections(sessions: NodeSessions): Promise<void> {
  const pinned = sessions.pinned;
  sessions.pinned = undefined;
  await Promise.all([...(pinned?.values() ?? [])].map((c) => c.end().catch(() => {})));
}
