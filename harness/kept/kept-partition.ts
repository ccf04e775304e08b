import type { NodeRole, ShardmoveConfig } from '../config/config-types.ts';
import { checkTopologyFit, withPoolerFreeze } from '../config/validate-config.ts';
import type { NodeAccess } from '../db/node-access.ts';
import { ConfigError } from '../errors.ts';
import type { TopologyState } from '../state/state-file.ts';
import { openKeptTopology } from '../topology/kept-topology.ts';

export interface KeptPartition {
  readonly state: TopologyState;
  readonly nodes: Record<NodeRole, NodeAccess>;
  /** The layered config over the kept topology's own, moving the flags' partition. */
  readonly config: ShardmoveConfig;
}

/**
 * The kept topology, and the partition the flags name, refused when it has no such partition
 * or when the kept topology cannot do what the flags ask (a held switch without a pooler).
 * Unless a flag chose the freeze, a pooled topology's is the trigger freeze.
 */
export async function openKeptPartition(
  layered: ShardmoveConfig,
  freezeChosen = false,
): Promise<KeptPartition> {
  const { state, nodes } = await openKeptTopology(layered.stateDir);
  const partition = layered.topology.movePartition;
  if (partition >= state.topology.partitions) {
    throw new ConfigError(
      `partition ${partition} does not exist: the kept topology has ${state.topology.partitions}`,
    );
  }
  let config: ShardmoveConfig = { ...layered, topology: { ...state.topology, movePartition: partition } };
  if (!freezeChosen) config = withPoolerFreeze(config);
  checkTopologyFit(config);
  return { state, nodes, config };
}
