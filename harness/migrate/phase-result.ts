import type { StepMark } from '../config/config-types.ts';
import { errorMessage } from '../errors.ts';
import { type EventSink, startStep } from '../events.ts';
import type { PhaseEvidence, PhaseName } from './phase-evidence.ts';

/** What happened to one phase: every phase of a run has one of these, whatever else failed. */
export type PhaseResultOf<N extends PhaseName> =
  | {
      readonly name: N;
      readonly status: 'ok';
      readonly startedAt: number;
      readonly endedAt: number;
      readonly evidence: PhaseEvidence[N];
    }
  | {
      readonly name: N;
      readonly status: 'failed';
      readonly startedAt: number;
      readonly endedAt: number;
      readonly error: string;
      readonly evidence: PhaseEvidence[N];
    }
  | { readonly name: N; readonly status: 'not-run' };

/**
 * Any phase's result; its name says which evidence it carries. A phase not run carries none,
 * so it is one member for every name (TypeScript decomposes a union of more than 25 for an
 * assignment no further).
 */
export type PhaseResult =
  | { [N in PhaseName]: Exclude<PhaseResultOf<N>, { readonly status: 'not-run' }> }[PhaseName]
  | { readonly name: PhaseName; readonly status: 'not-run' };

/** One step of a migration, named; it writes what it did into its own kind of evidence. */
export interface Phase<C, N extends PhaseName = PhaseName> {
  readonly name: N;
  run(context: C, evidence: PhaseEvidence[N]): Promise<void>;
  /**
   * What takes back what this phase did, run in a rollback when the phase ran (even if it
   * failed part way): safe to run when there is nothing to take back.
   */
  readonly undo?: Phase<C> | undefined;
}

/**
 * The rollback of `ran`: each undo, latest phase first, each once (two phases may share
 * one, as publish and subscribe share the dropping of the replication).
 */
export function undoPhases<C>(ran: readonly Phase<C>[]): Phase<C>[] {
  const undos = ran.flatMap((p) => (p.undo ? [p.undo] : [])).reverse();
  return undos.filter((u, i) => undos.findIndex((v) => v.name === u.name) === i);
}

/**
 * Runs phases in order and never throws: the first failure is recorded with its error and
 * the rest are marked not run. Times are epoch ms, the load generator's clock.
 */
export async function runPhases<C>(
  phases: readonly Phase<C>[],
  context: C,
  events: EventSink,
): Promise<PhaseResult[]> {
  const results: PhaseResult[] = [];
  let failed = false;
  for (const phase of phases) {
    if (failed) {
      results.push({ name: phase.name, status: 'not-run' });
      continue;
    }
    const evidence: PhaseEvidence[PhaseName] = {};
    const running = startStep(events, phase.name);
    try {
      await phase.run(context, evidence);
      const { startedAt, endedAt } = running.end();
      results.push({ name: phase.name, status: 'ok', startedAt, endedAt, evidence } as PhaseResult);
    } catch (error) {
      const { startedAt, endedAt } = running.end(error);
      const entry = {
        name: phase.name,
        status: 'failed',
        startedAt,
        endedAt,
        error: errorMessage(error),
        evidence,
      };
      results.push(entry as PhaseResult);
      failed = true;
    }
  }
  return results;
}

/** The result of the phase of that name, its evidence typed as that phase's. */
export function phase<N extends PhaseName>(
  results: readonly PhaseResult[],
  name: N,
): PhaseResultOf<N> | undefined {
  return results.find((r) => r.name === name) as PhaseResultOf<N> | undefined;
}

/**
 * The step at one of the procedure's instants: the built-in freeze or switch, or the case's
 * own step that marks it. The checks that time the freeze window and the rejections use it.
 */
export function markedPhase(results: readonly PhaseResult[], mark: StepMark): PhaseResult | undefined {
  return results.find(
    (r) => r.name === mark || (r.status !== 'not-run' && (r.evidence as { marks?: StepMark }).marks === mark),
  );
}
