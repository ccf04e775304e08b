import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { NodeRole, ProviderName, TopologyConfig } from '../config/config-types.ts';
import { type Endpoint, formatDsn } from '../config/dsn.ts';
import type { NodeAccess, NodesHandle, PoolerAccess } from '../db/node-access.ts';
import { errorMessage, ShardmoveError } from '../errors.ts';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { endpointWithPgpass, writePgpass } from './pgpass.ts';

/** What `up --keep` leaves for later commands: where the nodes are, never a password. */
export interface TopologyState {
  readonly version: 1;
  readonly runId: string;
  readonly provider: ProviderName;
  readonly createdAt: string;
  readonly handle: NodesHandle;
  readonly nodes: Record<NodeRole, { uri: string; peerHost: string; peerPort: number }>;
  /** The pgbouncer in front of the data nodes, on a pooled topology: its admin console. */
  readonly pooler?: { uri: string; peerHost: string; peerPort: number; version: string } | undefined;
  readonly proxyDatabase: string;
  /** The topology as provisioned: later commands take partitions and layout from here. */
  readonly topology: TopologyConfig;
  readonly pgpass: string;
  readonly facts: Record<string, string>;
  readonly settings: Record<NodeRole, Record<string, string>>;
}

export function statePaths(stateDir: string): {
  dir: string;
  file: string;
  pgpass: (runId: string) => string;
} {
  const dir = resolve(stateDir);
  return { dir, file: join(dir, 'state.json'), pgpass: (runId) => join(dir, `${runId}.pgpass`) };
}

export async function readState(stateDir: string): Promise<TopologyState | undefined> {
  const text = await readFile(statePaths(stateDir).file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const state = JSON.parse(text) as TopologyState;
    if (state.version !== 1) throw new Error(`unknown version ${String(state.version)}`);
    return state;
  } catch (error) {
    throw new ShardmoveError(
      `state file ${statePaths(stateDir).file} is unreadable: ${errorMessage(error)}`,
      {
        hint: 'remove it, then sweep leftovers with `shardmove down --all`',
      },
    );
  }
}

export async function writeState(
  stateDir: string,
  state: Omit<TopologyState, 'pgpass' | 'version'>,
  nodes: Readonly<Record<NodeRole, NodeAccess>>,
): Promise<TopologyState> {
  const paths = statePaths(stateDir);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const pgpass = paths.pgpass(state.runId);
  const pooler = nodes.proxy.pooler;
  await writePgpass(pgpass, [
    ...Object.values(nodes).map((n) => n.endpoint),
    ...(pooler ? [pooler.endpoint] : []),
  ]);
  const full: TopologyState = { version: 1, ...state, pgpass };
  // A kill -9 mid-write must leave the old state or the new, never a torn file that orphans the nodes.
  await writeFileAtomic(paths.file, `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

export async function removeState(stateDir: string, state: TopologyState): Promise<void> {
  await rm(state.pgpass, { force: true });
  await rm(statePaths(stateDir).file, { force: true });
}

/** A kept endpoint's URI, with its password looked up in the state's pgpass file. */
function stateEndpoint(state: TopologyState, uri: string, what: string): Promise<Endpoint> {
  return endpointWithPgpass(state.pgpass, uri, `state ${what}`);
}

/** Endpoints of a kept topology, with passwords looked up in its pgpass file. */
export async function stateEndpoints(state: TopologyState): Promise<Record<NodeRole, NodeAccess>> {
  const entries = await Promise.all(
    (Object.keys(state.nodes) as NodeRole[]).map(async (role): Promise<[NodeRole, NodeAccess]> => {
      const node = state.nodes[role];
      const endpoint = await stateEndpoint(state, node.uri, role);
      return [role, { role, endpoint, peerHost: node.peerHost, peerPort: node.peerPort }];
    }),
  );
  const nodes = Object.fromEntries(entries) as Record<NodeRole, NodeAccess>;
  if (state.pooler) {
    const { uri, peerHost, peerPort, version } = state.pooler;
    const endpoint = await stateEndpoint(state, uri, 'pooler');
    nodes.proxy = { ...nodes.proxy, pooler: { endpoint, peerHost, peerPort, version } };
  }
  return nodes;
}

/** A pooler's admin console as a libpq URI (no password). */
export function poolerUri(pooler: PoolerAccess): string {
  return formatDsn(pooler.endpoint, 'pgbouncer');
}

export function nodeUris(
  nodes: Readonly<Record<NodeRole, NodeAccess>>,
  proxyDatabase: string,
): Record<NodeRole, string> {
  return {
    proxy: formatDsn(nodes.proxy.endpoint, proxyDatabase),
    old: formatDsn(nodes.old.endpoint),
    new: formatDsn(nodes.new.endpoint),
  };
}
