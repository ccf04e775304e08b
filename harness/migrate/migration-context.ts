import { randomBytes } from 'node:crypto';
import type { NodeRole, ShardmoveConfig } from '../config/config-types.ts';
import { shardDatabase } from '../config/topology-layout.ts';
import type { NodeAccess, NodesHandle } from '../db/node-access.ts';
import type { NodeSessions } from '../db/node-session.ts';
import type { EventSink } from '../events.ts';

/** What the phases of one migration share: where things are, and what earlier phases found. */
export interface MigrationContext extends NodeSessions {
  readonly config: ShardmoveConfig;
  readonly nodes: Readonly<Record<NodeRole, NodeAccess>>;
  readonly runId: string;
  /**
   * Names this migration: new's copy carries it, the journal keeps it, and a rollback drops
   * only a copy that carries it (never old's shard on a server that turned out to be both).
   */
  readonly migrationId: string;
  readonly events: EventSink;
  readonly partition: number;
  readonly database: string;
  marks: {
    freezeAt?: number;
    /** The connstring freeze's commit on the proxy's clock (clock_timestamp() right after it). */
    freezeAtProxyClock?: string | undefined;
    barrierAt?: number;
    switchAt?: number;
    oldLogRowsAtBarrier?: number;
    /** A held switch: when the pooler began holding the partition's calls, and let them go. */
    holdAt?: number;
    releasedAt?: number;
  };
  /** A snapshot of new exported at the switch and held open for the parity check after it (logical). */
  heldSnapshot?: { readonly id: string; close(): Promise<void> } | undefined;
  /**
   * Why the partition's lock on old (partition-lock.ts) is no longer held, once it is not:
   * the next phase then fails instead of running, and the migration's own rule decides
   * whether it rolls back. Undefined: no lock taken (a rehearsal on a topology of its own).
   */
  lockLost?: (() => string | undefined) | undefined;
  /** How to reach the nodes' processes, for the fault matrix (kill, pause). */
  readonly handle?: NodesHandle | undefined;
  /**
   * How long the freeze barrier waits for a proxy transaction begun before the freeze before
   * terminating it, when longer than `migration.barrierTimeoutMillis`. One that began just
   * before the ALTER SERVER committed but took its locks after picks up the frozen connstring
   * and reconnects every partition: it is as slow as a reconnection storm, and terminating it
   * fails a call that was only held up. A rehearsal sets this to its calls' own timeout.
   */
  readonly inFlightGraceMillis?: number | undefined;
}

export function migrationContext(
  config: ShardmoveConfig,
  nodes: Readonly<Record<NodeRole, NodeAccess>>,
  runId: string,
  events: EventSink,
  handle?: NodesHandle,
  migrationId: string = newMigrationId(),
): MigrationContext {
  const partition = config.topology.movePartition;
  return {
    config,
    nodes,
    runId,
    migrationId,
    events,
    partition,
    database: shardDatabase(partition),
    marks: {},
    handle,
  };
}

export function newMigrationId(): string {
  return randomBytes(4).toString('hex');
}

export function proxyDatabase(context: MigrationContext): string {
  return context.config.topology.proxyDatabase;
}
