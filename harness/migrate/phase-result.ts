import { errorMessage } from '../errors.ts';
import type { EventSink } from '../events.ts';
import { epochNow } from '../util/epoch-clock.ts';

export type Evidence = Record<string, unknown>;

/** What happened to one phase: every phase of a run has one of these, whatever else failed. */
export type PhaseResult =
  | {
      readonly name: string;
      readonly status: 'ok';
      readonly startedAt: number;
      readonly endedAt: number;
      readonly evidence: Evidence;
    }
  | {
      readonly name: string;
      readonly status: 'failed';
      readonly startedAt: number;
      readonly endedAt: number;
      readonly error: string;
      readonly evidence: Evidence;
    }
  | { readonly name: string; readonly status: 'not-run' };

export interface Phase<C> {
  readonly name: string;
  run(context: C, evidence: Evidence): Promise<void>;
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
    const evidence: Evidence = {};
    const startedAt = epochNow();
    events({ type: 'step-start', step: phase.name });
    try {
      await phase.run(context, evidence);
      const endedAt = epochNow();
      events({ type: 'step-end', step: phase.name, durationMillis: endedAt - startedAt, outcome: 'ok' });
      results.push({ name: phase.name, status: 'ok', startedAt, endedAt, evidence });
    } catch (error) {
      const endedAt = epochNow();
      const message = errorMessage(error);
      events({
        type: 'step-end',
        step: phase.name,
        durationMillis: endedAt - startedAt,
        outcome: 'failed',
        error: message,
      });
      results.push({ name: phase.name, status: 'failed', startedAt, endedAt, error: message, evidence });
      failed = true;
    }
  }
  return results;
}

export function phase(results: readonly PhaseResult[], name: string): PhaseResult | undefined {
  return results.find((r) => r.name === name);
}
