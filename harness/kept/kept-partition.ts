import type { NodeRole, ShardmoveConfig } from '../config/config-types.ts';
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

/** The kept topology, and the partition the flags name, refused when it has no such partition. */
export async function openKeptPartition(layered: ShardmoveConfig): Promise<KeptPartition> {
  const { state, nodes } = await openKeptTopology(layered.stateDir);
  const partition = layered.topology.movePartition;
  if (partition >= state.topology.partitions) {
    throw new ConfigError(
      `partition ${partition} does not exist: the kept topology has ${state.topology.partitions}`,
    );
  }
  return { state, nodes, config: { ...layered, topology: { ...state.topology, movePartition: partition } } };
}
