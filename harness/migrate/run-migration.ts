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
  if (config.provider !== 'auto' && !providers.includes(config.provider))
    return `the ${fault.kind} fault needs the ${providers.join(' or ')} provider, not ${config.provider}`;
  return undefined;
}

/**
 * Faults and the providers they may run on: those that act on a node's processes need a
 * provider that reaches them; none is ever injected into external hosts, whose other
 * sessions (an application's proxy clients, a standby's walsender) are not shardmove's.
 */
const nodeFaultProviders: Readonly<Record<FaultKind, readonly ProviderName[]>> = {
  'kill-new': ['local', 'containers'],
  'pause-old': ['local', 'containers'],
  'restart-old': ['local'],
  'cut-replication': ['local', 'containers'],
  'terminate-proxy-backends': ['local', 'containers'],
};

const strategies: Readonly<Record<MigrationStrategy, readonly Phase<MigrationContext>[]>> = {
  seed: seedStrategyPhases,
  matview: matviewStrategyPhases,
  copy: copyStrategyPhases,
  logical: logicalStrategyPhases,
};

export function strategyPhases(strategy: MigrationStrategy): readonly Phase<MigrationContext>[] {
  return strategies[strategy];
}

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
        // Only the copy this migration created: anything else on new (old's own shard, when
        // the two turn out to be one server; another migration's copy) is not ours to drop.
        if (state?.exists && state.ownedBy === context.runId && state.migration === context.migrationId) {
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
  let rollback: PhaseResult[] = [];
  let outcome: MigrationOutcome = 'completed';
  let state = `p${context.partition} on new, read-write; ${context.database} still on old until verified`;
  if (failed) {
    const switchStatus = phase(phases, 'switch')?.status;
    const routing = switchStatus === 'failed' ? await routingNow(context) : undefined;
    if (mayRollBack(switchStatus, routing)) {
      rollback = await runPhases(rollbackPhases, context, context.events);
      outcome = 'rolled-back';
      state = rollback.every((p) => p.status === 'ok')
        ? `p${context.partition} on old, read-write again; new's copy dropped; old untouched`
        : `rollback incomplete: ${rollback
            .filter((p) => p.status !== 'ok')
            .map((p) => p.name)
            .join(', ')}`;
    } else {
      outcome = 'failed-after-switch';
      state =
        routing === 'unknown'
          ? `the switch failed and where p${context.partition} is routed now could not be read: nothing dropped on either side; ${context.database} kept on old and new (\`shardmove recover\` decides)`
          : `p${context.partition} on ${routing ?? 'new'}; ${switchStatus === 'failed' ? 'the switch failed after routing it there' : 'a phase after the switch failed'}; ${context.database} kept on old`;
    }
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

/** Nothing left to do: moved, or rolled back with every rollback step done. */
export function finishedCleanly(result: MigrationResult): boolean {
  if (result.outcome === 'completed' || result.outcome === 'not-started') return true;
  return result.outcome === 'rolled-back' && result.rollback.every((p) => p.status === 'ok');
}

export type Routing = 'old' | 'new' | 'elsewhere' | 'unknown';

/**
 * Whether a failed migration may be rolled back: only when the partition provably still goes
 * to old. A switch that failed part way may already have sent it to new (the pooler
 * reloaded, then something after it failed), with writes acknowledged there since: rolling
 * back would drop them with new's copy. And a routing that cannot be read (a proxy or pooler
 * hiccup) proves nothing: it is kept as it is, for `recover` to decide.
 */
export function mayRollBack(
  switchStatus: PhaseResult['status'] | undefined,
  routing: Routing | undefined,
): boolean {
  if (switchStatus === undefined || switchStatus === 'not-run') return true;
  if (switchStatus === 'ok') return false;
  return routing === 'old';
}

async function routingNow(context: MigrationContext): Promise<Routing> {
  try {
    return (await partitionHome(context)).home;
  } catch {
    return 'unknown';
  }
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
            if (state?.exists && state.ownedBy !== c.runId && !c.config.allowDestructive) {
              throw new DestructiveActionRefused(
                `${c.database} on old was not created by this topology's shardmove run; not dropping it`,
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
