import { errorMessage } from './errors.ts';
import { logStepTime } from './step-log.ts';
import { epochNow } from './util/epoch-clock.ts';
/**
 * The core never writes to the terminal: it emits these, and the CLI (or a test, or the
 * report writer) decides what to show.
 */
export type HarnessEvent =
  | { type: 'step-start'; step: string; detail?: string }
  | { type: 'step-end'; step: string; durationMillis: number; outcome: 'ok' | 'failed'; error?: string }
  | {
      type: 'progress';
      step: string;
      done: number;
      total: number;
      unit: string;
      ratePerSecond?: number;
      etaSeconds?: number;
    }
  | { type: 'info'; message: string }
  | { type: 'warning'; message: string };

export type EventSink = (event: HarnessEvent) => void;

export const ignoreEvents: EventSink = () => {};

/**
 * Announces a step and returns how to end it: the one emitter of step events, timed on
 * the load generator's clock (epoch ms), for the rehearsal's stages and the migration's
 * phases alike. `end` says when the step started and ended.
 */
export function startStep(
  events: EventSink,
  name: string,
  detail?: string,
): { readonly startedAt: number; end(error?: unknown): { startedAt: number; endedAt: number } } {
  const startedAt = epochNow();
  events(
    detail === undefined ? { type: 'step-start', step: name } : { type: 'step-start', step: name, detail },
  );
  return {
    startedAt,
    end(error?: unknown) {
      const endedAt = epochNow();
      const durationMillis = endedAt - startedAt;
      logStepTime(name, durationMillis);
      events(
        error === undefined
          ? { type: 'step-end', step: name, durationMillis, outcome: 'ok' }
          : { type: 'step-end', step: name, durationMillis, outcome: 'failed', error: errorMessage(error) },
      );
      return { startedAt, endedAt };
    },
  };
}

/** Runs fn as a named step, emitting its start, end and duration. */
export async function step<T>(
  events: EventSink,
  name: string,
  fn: () => Promise<T>,
  detail?: string,
): Promise<T> {
  const running = startStep(events, name, detail);
  try {
    const result = await fn();
    running.end();
    return result;
  } catch (error) {
    running.end(error);
    throw error;
  }
}
