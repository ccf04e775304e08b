import type { NodeRole, ProviderName, ShardmoveConfig } from '../config/config-types.ts';
import type { NodeAccess, NodesHandle } from '../db/node-access.ts';
import type { EventSink } from '../events.ts';

export interface StartedNodes extends AsyncDisposable {
  readonly provider: ProviderName;
  readonly runId: string;
  readonly nodes: Readonly<Record<NodeRole, NodeAccess>>;
  readonly handle: NodesHandle;
  /** Facts for the report: image id, PostgreSQL binaries, and the like. */
  readonly facts: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export interface StartRequest {
  readonly config: ShardmoveConfig;
  readonly runId: string;
  readonly events: EventSink;
}

export interface PreflightResult {
  readonly ok: boolean;
  /** What is there and what is missing, one line each. */
  readonly findings: readonly string[];
  /** The one command that installs what is missing, when something is. */
  readonly fix?: string;
}

/** The port every provider satisfies: local processes, containers, or existing hosts. */
/**
 * What the harness can do to a started node's processes, beyond SQL: the fault matrix asks
 * the provider, instead of keeping its own list of who can do what.
 */
export type NodeAction = 'kill' | 'pause' | 'restart' | 'terminate-sessions';

export interface Provider {
  readonly name: ProviderName;
  /**
   * Local: every action. Containers: no restart (a restarted container comes back on a new
   * published port). External: none, ever: its other sessions (an application's proxy
   * clients, a standby's walsender) are not shardmove's.
   */
  readonly nodeActions: readonly NodeAction[];
  preflight(config: ShardmoveConfig): Promise<PreflightResult>;
  start(request: StartRequest): Promise<StartedNodes>;
}
