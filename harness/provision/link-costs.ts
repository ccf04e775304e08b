import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeRole } from '../config/config-types.ts';
import type { NodeAccess, NodesHandle } from '../db/node-access.ts';
import { runCommand } from '../lifecycle/run-command.ts';
import { findLocalBinaries, serverPgpassPath } from './local-binaries.ts';
import { readNodeNetwork } from './node-network.ts';

/** Who opens connections to whom in a move: the application to the proxy, PL/Proxy to the shards, new's FDW and subscription to old. */
export const measuredLinks: readonly (readonly ['client' | NodeRole, NodeRole])[] = [
  ['client', 'proxy'],
  ['proxy', 'old'],
  ['proxy', 'new'],
  ['new', 'old'],
];

/** One link, measured from its sending host with pgbench, as the process on that host would see it. */
export interface LinkCost {
  readonly from: 'client' | NodeRole;
  readonly to: NodeRole;
  /** `select 1` on an open connection: the round trip plus a trivial query. */
  readonly roundTripMillis: number;
  /** A new connection (pgbench -C: connect, authenticate, one `select 1`, close), on average. */
  readonly connectMillis: number;
}

/** pgbench's own figure, by the label it prints it under. */
export function pgbenchFigure(output: string, label: string): number {
  const match = new RegExp(`${label} = ([0-9.]+) ms`).exec(output);
  if (!match?.[1]) throw new Error(`pgbench printed no "${label}":\n${output.trim().slice(-400)}`);
  return Number(match[1]);
}

const roundTrips = 300;
const connections = 20;

/**
 * Each link of a local topology measured from the host that opens it: inside the sending
 * node's network namespace (netns), or on loopback. The client is the harness's side: the
 * host, which reaches the proxy as an application server would. Other providers: undefined
 * (their nodes' hosts are not the harness's to run pgbench on).
 */
export async function measureLinkCosts(
  handle: NodesHandle,
  nodes: Readonly<Record<NodeRole, NodeAccess>>,
): Promise<LinkCost[] | undefined> {
  if (handle.provider !== 'local') return undefined;
  const binaries = findLocalBinaries();
  if (!binaries) throw new Error('PostgreSQL binaries not found');
  const network = await readNodeNetwork(handle.baseDir);
  const script = join(handle.baseDir, 'select1.sql');
  await writeFile(script, 'select 1;\n');
  const costs: LinkCost[] = [];
  for (const [from, to] of measuredLinks) {
    const target = nodes[to];
    const [host, port] =
      from === 'client' ? [target.endpoint.host, target.endpoint.port] : [target.peerHost, target.peerPort];
    const netns = from === 'client' ? undefined : network?.nodes[from].namespace;
    const pgbench = (extra: string[]) =>
      runCommand(
        join(binaries.binDir, 'pgbench'),
        [
          '-n',
          '-f',
          script,
          '-c',
          '1',
          '-h',
          host,
          '-p',
          String(port),
          '-U',
          target.endpoint.user,
          ...extra,
          'postgres',
        ],
        {
          ...(netns ? { netns } : {}),
          // The nodes' own pgpass file: no password on a command line or in an environment.
          env: { ...process.env, PGPASSFILE: serverPgpassPath(handle.baseDir) },
          timeoutMillis: 120_000,
          what: `pgbench ${from} -> ${to}`,
        },
      );
    const open = await pgbench(['-t', String(roundTrips)]);
    const fresh = await pgbench(['-C', '-t', String(connections)]);
    costs.push({
      from,
      to,
      roundTripMillis: pgbenchFigure(open.stdout, 'latency average'),
      connectMillis: pgbenchFigure(fresh.stdout, 'average connection time'),
    });
  }
  return costs;
}

/** "client -> proxy 0.07 / 5.7 ms, ...": each link's round trip and new connection. */
export function linkCostWords(links: readonly LinkCost[]): string {
  return links
    .map((l) => `${l.from} -> ${l.to} ${l.roundTripMillis.toFixed(2)} / ${l.connectMillis.toFixed(1)} ms`)
    .join(', ');
}
