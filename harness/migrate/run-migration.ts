import type {
  FaultKind,
  LogPolicy,
  MigrationStrategy,
  ProviderName,
  ShardmoveConfig,
} from '../config/config-types.ts';
import { DestructiveActionRefused } from '../errors.ts';
import { withFault } from '../faults/inject-fault.ts';
import { databaseStates, dropDatabase } from '../schema/ownership.ts';
import { copyStrategyPhases } from './copy-strategy.ts';
import { unfreezeOld } from './freeze.ts';
import { dropReplication, logicalStrategyPhases } from './logical-strategy.ts';
import { matviewStrategyPhases } from './matview-strategy.ts';
import { type InjectedFault, type MigrationContext, onNode } from './migration-context.ts';
import { partitionHome } from './partition-target.ts';
import { type Phase, type PhaseResult, phase, runPhases } from './phase-result.ts';
import { seedStrategyPhases } from './seed-strategy.ts';

export type MigrationOutcome = 'completed' | 'rolled-back' | 'failed-after-switch' | 'not-started';

export interface MigrationResult {
  readonly strategy: MigrationStrategy;
  readonly partition: number;
  readonly logs: LogPolicy;
  readonly phases: PhaseResult[];
  readonly rollback: PhaseResult[];
  readonly outcome: MigrationOutcome;
  readonly marks: MigrationContext['marks'];
  /** Where the partition is left, in words, for the report. */
  readonly state: string;
  /** The fault injected, if the run had one: kind, phase, when, what was done. */
  readonly fault?: InjectedFault | undefined;
}

/** A migration the rehearsal did not start (the run could not measure what it claims): nothing changed. */
export function migrationNotStarted(context: MigrationContext): MigrationResult {
  const { strategy, logs } = context.config.migration;
  return {
    strategy,
    partition: context.partition,
    logs,
    phases: strategies[strategy].map((p) => ({ name: p.name, status: 'not-run' as const })),
    rollback: [],
    outcome: 'not-started',
    marks: context.marks,
    state: `p${context.partition} untouched on old: the migration was not started`,
  };
}

/** A fault must name a phase of the chosen strategy: checked before anything starts. */
export function faultPlanProblem(config: ShardmoveConfig): string | undefined {
  const names = strategies[config.migration.strategy].map((p) => p.name);
  const after = config.migration.injectFaultAfter;
  if (after !== undefined && !names.includes(after))
    return `'migration.injectFaultAfter' ${JSON.stringify(after)} is not a phase of the ${config.migration.strategy} strategy (${names.join(', ')}): nothing would be injected`;
  const fault = config.migration.fault;
  if (!fault) return undefined;
  if (!names.includes(fault.phase))
    return `'migration.fault.phase' ${JSON.stringify(fault.phase)} is not a phase of the ${config.migration.strategy} strategy (${names.join(', ')})`;
  const providers = nodeFaultProviders[fault.kind];
  if (providers && config.provider !== 'auto' && !providers.includes(config.provider))
    return `the ${fault.kind} fault needs the ${providers.join(' or ')} provider, not ${config.provider}`;
  return undefined;
}

/** Faults that act on a node's processes, and the providers that let shardmove reach them. */
const nodeFaultProviders: Partial<Record<FaultKind, readonly ProviderName[]>> = {
  'kill-new': ['local', 'containers'],
  'pause-old': ['local', 'containers'],
  'restart-old': ['local'],
};

const strategies: Readonly<Record<MigrationStrategy, readonly Phase<MigrationContext>[]>> = {
  seed: seedStrategyPhases,
  matview: matviewStrategyPhases,
  copy: copyStrategyPhases,
  logical: logicalStrategyPhases,
};

/** Undoes a migration that failed before the switch: p<N> back on old read-write, new's copy dropped. */
export const rollbackPhases: readonly Phase<MigrationContext>[] = [
  {
    name: 'unfreeze on old',
    run: unfreezeOld,
  },
  {
    name: 'drop replication',
    async run(context, evidence) {
      if (context.config.migration.strategy !== 'logical') {
        evidence.dropped = [];
        return;
      }
      await context.heldSnapshot?.close();
      context.heldSnapshot = undefined;
      await dropReplication(context, evidence);
    },
  },
  {
    name: 'drop the copy on new',
    async run(context, evidence) {
      await onNode(context, 'new', 'postgres', async (c) => {
        const state = (await databaseStates(c, [context.database])).get(context.database);
        // Only a database this run created: anything else on new is not ours to drop.
        if (state?.exists && state.ownedBy === context.runId) {
          await dropDatabase(c, context.database);
          evidence.dropped = true;
        } else evidence.dropped = false;
      });
    },
  },
];

/**
 * Runs a strategy's phases; never throws. A failure before the switch is rolled back (old
 * untouched and writable again); a failure after it is reported with the state it left.
 */
export async function runMigration(context: MigrationContext): Promise<MigrationResult> {
  const { strategy, logs } = context.config.migration;
  const fault = context.config.migration.injectFaultAfter;
  const planned = strategies[strategy].map((p) =>
    p.name === fault
      ? {
          name: p.name,
          async run(c: MigrationContext, evidence: Record<string, unknown>) {
            await p.run(c, evidence);
            evidence.injectedFault = true;
            throw new Error(`injected fault after ${p.name}`);
          },
        }
      : p,
  );
  const faulty = context.config.migration.fault;
  const withInjection = faulty
    ? planned.map((p) => (p.name === faulty.phase ? withFault(p, faulty) : p))
    : planned;
  const phases = await runPhases(withInjection, context, context.events);
  const failed = phases.some((p) => p.status === 'failed');
  const switched = phase(phases, 'switch')?.status === 'ok' || (await routedToNew(context, phases));
  let rollback: PhaseResult[] = [];
  let outcome: MigrationOutcome = 'completed';
  let state = `p${context.partition} on new, read-write; ${context.database} still on old until verified`;
  if (failed && !switched) {
    rollback = await runPhases(rollbackPhases, context, context.events);
    outcome = 'rolled-back';
    state = rollback.every((p) => p.status === 'ok')
      ? `p${context.partition} on old, read-write again; new's copy dropped; old untouched`
      : `rollback incomplete: ${rollback
          .filter((p) => p.status !== 'ok')
          .map((p) => p.name)
          .join(', ')}`;
  } else if (failed) {
    outcome = 'failed-after-switch';
    const what =
      phase(phases, 'switch')?.status === 'failed'
        ? 'the switch failed after routing it there'
        : 'a phase after the switch failed';
    state = `p${context.partition} on new; ${what}; ${context.database} kept on old`;
  }
  return {
    strategy,
    partition: context.partition,
    logs,
    phases,
    rollback,
    outcome,
    marks: context.marks,
    state,
    fault: context.fault,
  };
}

/**
 * A switch that failed part way may still have sent the partition to new (the pooler
 * reloaded, then something after it failed), and writes acknowledged there since: rolling
 * back would drop them with new's copy. What the routing says decides, not the phase status.
 */
async function routedToNew(context: MigrationContext, phases: readonly PhaseResult[]): Promise<boolean> {
  if (phase(phases, 'switch')?.status !== 'failed') return false;
  const where = await partitionHome(context).catch(() => undefined);
  return where?.home === 'new';
}

/** The last step of the procedure, taken only once every check passed: drop dbN on old. */
export async function dropOld(context: MigrationContext): Promise<PhaseResult> {
  const [result] = await runPhases(
    [
      {
        name: 'drop old',
        async run(c) {
          await onNode(c, 'old', 'postgres', async (client) => {
            const state = (await databaseStates(client, [c.database])).get(c.database);
            if (state?.exists && state.ownedBy === undefined && !c.config.allowDestructive) {
              throw new DestructiveActionRefused(
                `${c.database} on old was not created by shardmove; not dropping it`,
              );
            }
            await dropDatabase(client, c.database);
          });
        },
      },
    ],
    context,
    context.events,
  );
  return result as PhaseResult;
}
