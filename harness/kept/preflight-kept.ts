import type { ShardmoveConfig } from '../config/config-types.ts';
import type { EventSink } from '../events.ts';
import { migrationContext } from '../migrate/migration-context.ts';
import { readinessInput } from '../migrate/phases/readiness.ts';
import { checkReadiness } from '../readiness/check-readiness.ts';
import type { Readiness } from '../readiness/readiness.ts';
import { openKeptPartition } from './kept-partition.ts';

export interface PreflightKeptRequest {
  readonly config: ShardmoveConfig;
  /** Proxy backends that will reach the moved partition beyond those on old's shard now. */
  readonly expectedProxyBackends: number;
  readonly events: EventSink;
}

/** The readiness gate against the kept topology (local, containers or external hosts): reads only. */
export async function preflightKept(request: PreflightKeptRequest): Promise<Readiness> {
  const { config: layered, events } = request;
  const { state, nodes, config } = await openKeptPartition(layered);
  const context = migrationContext(config, nodes, state.runId, events, state.handle);
  return checkReadiness(readinessInput(context, request.expectedProxyBackends));
}
