import type { ShardmoveConfig } from '../config/config-types.ts';
import { ConfigError } from '../errors.ts';
import type { EventSink } from '../events.ts';
import { migrationContext } from '../migrate/migration-context.ts';
import { readinessInput } from '../migrate/phases/readiness.ts';
import { checkReadiness } from '../readiness/check-readiness.ts';
import type { Readiness } from '../readiness/readiness.ts';
import { openKeptTopology } from '../topology/kept-topology.ts';

export interface PreflightKeptRequest {
  readonly config: ShardmoveConfig;
  /** Proxy backends that will reach the moved partition beyond those on old's shard now. */
  readonly expectedProxyBackends: number;
  readonly events: EventSink;
}

/** The readiness gate against the kept topology (local, containers or external hosts): reads only. */
export async function preflightKept(request: PreflightKeptRequest): Promise<Readiness> {
  const { config: layered, events } = request;
  const { state, nodes } = await openKeptTopology(layered.stateDir);
  const partition = layered.topology.movePartition;
  if (partition >= state.topology.partitions) {
    throw new ConfigError(
      `partition ${partition} does not exist: the kept topology has ${state.topology.partitions}`,
    );
  }
  const config = { ...layered, topology: { ...state.topology, movePartition: partition } };
  const context = migrationContext(config, nodes, state.runId, events, state.handle);
  return checkReadiness(readinessInput(context, request.expectedProxyBackends));
}
