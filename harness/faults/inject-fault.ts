import type { FaultConfig, ShardmoveConfig } from '../config/config-types.ts';
import { onNode } from '../db/node-session.ts';
import { errorMessage } from '../errors.ts';
import type { MigrationContext } from '../migrate/migration-context.ts';
import type { Phase } from '../migrate/phase-result.ts';
import { replicationName } from '../migrate/replication-name.ts';
import { killNode, pauseNode, restartNode } from '../provision/node-control.ts';
import { epochNow } from '../util/epoch-clock.ts';
import { sleep } from '../util/sleep.ts';

/** What a fault adds to the evidence of the phase it hit. */
export interface FaultAnnotation {
  fault?: InjectedFault;
  /** migration.injectFaultAfter: the phase completed, then failed on purpose. */
  injectedFault?: boolean;
}

export interface InjectedFault {
  kind: string;
  phase: string;
  injectedAt: number;
  detail: string;
  /** False when the injection itself failed: the run then proves nothing about the fault. */
  injected: boolean;
}

/** Injects the fault; `landed` is called once it has hit (a pause: once stopped, not once resumed). */
async function inject(
  context: MigrationContext,
  fault: FaultConfig,
  landed: (detail: string) => void,
): Promise<string> {
  const handle = context.handle;
  switch (fault.kind) {
    case 'kill-new':
      if (!handle) throw new Error('kill-new needs the provider handle');
      return killNode(handle, 'new');
    case 'pause-old':
      if (!handle) throw new Error('pause-old needs the provider handle');
      return pauseNode(handle, 'old', fault.durationMillis ?? 3000, landed);
    case 'pause-new':
      if (!handle) throw new Error('pause-new needs the provider handle');
      return pauseNode(handle, 'new', fault.durationMillis ?? 3000, landed);
    case 'restart-old':
      if (!handle) throw new Error('restart-old needs the provider handle');
      return restartNode(handle, 'old');
    case 'terminate-proxy-backends': {
      // Every client backend of the proxy but the harness's own sessions.
      const n = await onNode(context, 'proxy', context.config.topology.proxyDatabase, async (c) => {
        const { rows } = await c.query<{ n: number }>(
          `select count(pg_terminate_backend(pid))::int n from pg_stat_activity
            where datname = current_database() and backend_type = 'client backend'
              and pid <> pg_backend_pid() and application_name <> 'shardmove'`,
        );
        return rows[0]?.n ?? 0;
      });
      return `terminated ${n} proxy backends`;
    }
    case 'cut-replication': {
      // This migration's apply worker and walsender only: a physical standby's walsender,
      // or another subscription's workers, are not ours to cut.
      const name = replicationName(context);
      const applied = await onNode(context, 'new', context.database, async (c) => {
        const { rows } = await c.query<{ n: number }>(
          `select count(pg_terminate_backend(pid))::int n from pg_stat_subscription
            where subname = $1 and pid is not null`,
          [name],
        );
        return rows[0]?.n ?? 0;
      });
      const senders = await onNode(context, 'old', 'postgres', async (c) => {
        const { rows } = await c.query<{ n: number }>(
          `select count(pg_terminate_backend(pid))::int n from pg_stat_activity
            where backend_type = 'walsender' and application_name = $1`,
          [name],
        );
        return rows[0]?.n ?? 0;
      });
      return `terminated ${applied} replication workers on new and ${senders} walsenders on old`;
    }
  }
}

/**
 * The phase with the fault injected while it runs: afterMillis into it, concurrently (at 0,
 * first). The phase's own outcome is whatever the fault makes of it; the injection is
 * recorded either way.
 */
function withFault(
  phase: Phase<MigrationContext>,
  fault: FaultConfig,
  record: (injected: InjectedFault) => void,
  outlasting: (injection: Promise<unknown>) => void,
): Phase<MigrationContext> {
  return {
    name: phase.name,
    async run(context, evidence) {
      const delay = fault.afterMillis ?? 0;
      let landed: (detail: string) => void = () => {};
      const hit = new Promise<string>((resolve) => {
        landed = resolve;
      });
      let injectedAt = 0;
      const injection = (async (): Promise<InjectedFault> => {
        await sleep(delay);
        injectedAt = epochNow();
        try {
          const detail = await inject(context, fault, landed);
          return { kind: fault.kind, phase: phase.name, injectedAt, detail, injected: true };
        } catch (error) {
          const detail = `injection failed: ${errorMessage(error)}`;
          return { kind: fault.kind, phase: phase.name, injectedAt, detail, injected: false };
        }
      })();
      outlasting(injection);
      try {
        // At 0 ms the fault lands before the phase does anything: a phase of a few
        // milliseconds (a catch-up) would otherwise be over before it is hit.
        // A pause has landed once the node is stopped: the phase then runs against it.
        if (delay === 0) await Promise.race([hit, injection]);
        await phase.run(context, evidence);
      } finally {
        // A pause that outlasts the phase goes on after it (a hold gives up at its deadline
        // while the node is still stopped): what it is is known once it has landed.
        const injected = await Promise.race([
          injection,
          hit.then(
            (detail): InjectedFault => ({
              kind: fault.kind,
              phase: phase.name,
              injectedAt,
              detail,
              injected: true,
            }),
          ),
        ]);
        record(injected);
        // Written beside the phase's own evidence: migrate/ knows nothing of faults.
        Object.assign(evidence, { fault: injected } satisfies FaultAnnotation);
      }
    },
  };
}

/** The phase, then a failure as if it had failed at its very end (migration.injectFaultAfter). */
function failingAfter(phase: Phase<MigrationContext>): Phase<MigrationContext> {
  return {
    name: phase.name,
    async run(context, evidence) {
      await phase.run(context, evidence);
      Object.assign(evidence, { injectedFault: true } satisfies FaultAnnotation);
      throw new Error(`injected fault after ${phase.name}`);
    },
  };
}

/** The config's faults as a wrapper of phases, and what was injected once they ran. */
export interface PhaseFaults {
  wrap(phase: Phase<MigrationContext>): Phase<MigrationContext>;
  injected(): InjectedFault | undefined;
  /** Once every injection is over (a paused node resumed), even one that outlasted its phase. */
  over(): Promise<void>;
}

export function phaseFaults(config: ShardmoveConfig): PhaseFaults {
  const { fault, injectFaultAfter } = config.migration;
  let injected: InjectedFault | undefined;
  const injections: Promise<unknown>[] = [];
  return {
    wrap(phase) {
      const failing = phase.name === injectFaultAfter ? failingAfter(phase) : phase;
      return fault && phase.name === fault.phase
        ? withFault(
            failing,
            fault,
            (i) => {
              injected = i;
            },
            (i) => injections.push(i),
          )
        : failing;
    },
    injected: () => injected,
    over: async () => {
      await Promise.allSettled(injections);
    },
  };
}
