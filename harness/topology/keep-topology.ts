import { ShardmoveError } from '../errors.ts';
import { nodeUris, poolerUri, readState, type TopologyState, writeState } from '../state/state-file.ts';
import type { StartedTopology } from './start-topology.ts';

/** Only one kept topology per state directory: a second would orphan the first. */
export async function assertNothingKept(stateDir: string): Promise<void> {
  const existing = await readState(stateDir);
  if (existing) {
    throw new ShardmoveError(
      `a kept topology is already running (run ${existing.runId}, ${existing.provider})`,
      {
        hint: 'stop it first with `shardmove down`',
      },
    );
  }
}

function poolerState(topology: StartedTopology): TopologyState['pooler'] {
  const pooler = topology.nodes.proxy.pooler;
  if (!pooler) return undefined;
  const { peerHost, peerPort, version } = pooler;
  return { uri: poolerUri(pooler), peerHost, peerPort, version };
}

/** Hands a started topology over to the state file: from then on `shardmove down` stops it. */
export function keepTopology(topology: StartedTopology): Promise<TopologyState> {
  const { config } = topology;
  const uris = nodeUris(topology.nodes, config.topology.proxyDatabase);
  const node = (role: 'proxy' | 'old' | 'new') => ({
    uri: uris[role],
    peerHost: topology.nodes[role].peerHost,
    peerPort: topology.nodes[role].peerPort,
  });
  return writeState(
    config.stateDir,
    {
      runId: topology.runId,
      provider: topology.provider,
      createdAt: new Date().toISOString(),
      handle: topology.handle,
      nodes: { proxy: node('proxy'), old: node('old'), new: node('new') },
      pooler: poolerState(topology),
      proxyDatabase: config.topology.proxyDatabase,
      topology: config.topology,
      facts: { ...topology.facts },
      settings: topology.settings,
    },
    topology.nodes,
  );
}
