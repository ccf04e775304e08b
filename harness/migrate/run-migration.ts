import type { LogPolicy, MigrationStrategy, ProcedureStep, ShardmoveConfig } from '../config/config-types.ts';
import { onNode } from '../db/node-session.ts';
import { databaseStates, dropDatabase } from '../db/ownership.ts';
import { DestructiveActionRefused } from '../errors.ts';
import type { MigrationContext } from './migration-context.ts';
import { partitionHome } from './partition-target.ts';
import { markedPhase, type Phase, type PhaseResult, phase, runPhases, undoPhases } from './phase-result.ts';
import { procedurePhases } from './procedure.ts';

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
}

/** The procedure's steps; loadConfig always sets them (a strategy's built-in ones when the layers gave none). */
export function configuredSteps(config: ShardmoveConfig): readonly ProcedureStep[] {
  const steps = config.migration.steps;
  if (!steps) throw new Error('no migration.steps: the config was not loaded through loadConfig');
  return steps;
}

/** A migration the rehearsal did not start (the run could not measure what it claims): nothing changed. */
export function migrationNotStarted(context: MigrationContext): MigrationResult {
  const { strategy, logs } = context.config.migration;
  return {
    strategy,
    partition: context.partition,
    logs,
    phases: procedurePhases(configuredSteps(context.config)).map((p) => ({
      name: p.name,
      status: 'not-run' as const,
    })),
    rollback: [],
    outcome: 'not-started',
    marks: context.marks,
    state: `p${context.partition} untouched on old: the migration was not started`,
  };
}

export interface MigrationOptions {
  /**
   * Wraps each phase before it runs: how a caller above migrate/ (the rehearsal's fault
   * matrix) acts inside a phase without migrate/ knowing of it.
   */
  readonly wrapPhase?: (phase: Phase<MigrationContext>) => Phase<MigrationContext>;
}

/**
 * Runs the procedure's phases; never throws. A failure before the switch is rolled back (old
 * untouched and writable again); a failure after it is reported with the state it left.
 */
export async function runMigration(
  context: MigrationContext,
  options: MigrationOptions = {},
): Promise<MigrationResult> {
  const { strategy, logs } = context.config.migration;
  const wrap = options.wrapPhase ?? ((p) => p);
  const planned = procedurePhases(configuredSteps(context.config));
  const phases = await runPhases(planned.map(wrap).map(guardedByLock), context, context.events);
  // new's snapshot from the switch is closed by the parity that reads it; a phase that failed
  // in between leaves it open, an idle transaction holding back new's vacuum for good.
  await releaseHeldSnapshot(context);
  const failed = phases.some((p) => p.status === 'failed');
  let rollback: PhaseResult[] = [];
  let outcome: MigrationOutcome = 'completed';
  let state = `p${context.partition} on new, read-write; ${context.database} still on old until verified`;
  if (failed) {
    const switchStatus = markedPhase(phases, 'switch')?.status;
    const routing = switchStatus === 'failed' ? await routingNow(context) : undefined;
    if (mayRollBack(switchStatus, routing)) {
      // The undo of what ran (a phase that failed part way included), latest first.
      const ran = planned.filter((_, i) => phases[i]?.status !== 'not-run');
      rollback = await runPhases(undoPhases(ran), context, context.events);
      outcome = 'rolled-back';
      const gate = phase(phases, 'readiness');
      state =
        gate?.status === 'failed'
          ? `no-go at the readiness gate, nothing changed: p${context.partition} untouched on old`
          : rollback.every((p) => p.status === 'ok')
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
  };
}

/** A phase that does not start once the partition's lock is lost: another process may be moving it. */
function guardedByLock(phase: Phase<MigrationContext>): Phase<MigrationContext> {
  return {
    ...phase,
    async run(context, evidence) {
      const lost = context.lockLost?.();
      if (lost) {
        throw new Error(
          `the lock on ${context.database} held on old was lost (${lost}): not starting "${phase.name}", another process may move the partition now`,
        );
      }
      await phase.run(context, evidence);
    },
  };
}

async function releaseHeldSnapshot(context: MigrationContext): Promise<void> {
  const held = context.heldSnapshot;
  context.heldSnapshot = undefined;
  await held?.close();
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
