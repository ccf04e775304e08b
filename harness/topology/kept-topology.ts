import type { NodeRole } from '../config/config-types.ts';
import type { NodeAccess } from '../db/node-access.ts';
import { ShardmoveError } from '../errors.ts';
import { readState, stateEndpoints, type TopologyState } from '../state/state-file.ts';

/** The topology `up --keep` (or `run --keep`) left running, or a message saying how to get one. */
export async function openKeptTopology(
  stateDir: string,
): Promise<{ state: TopologyState; nodes: Record<NodeRole, NodeAccess> }> {
  const state = await readState(stateDir);
  if (!state) {
    throw new ShardmoveError(`no kept topology in ${stateDir}`, {
      hint: 'start one with `shardmove up --keep`',
    });
  }
  return { state, nodes: await stateEndpoints(state) };
}
