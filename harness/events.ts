import { errorMessage } from './errors.ts';
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

/** Runs fn as a named step, emitting its start, end and duration. */
export async function step<T>(
  events: EventSink,
  name: string,
  fn: () => Promise<T>,
  detail?: string,
): Promise<T> {
  const started = performance.now();
  events(
    detail === undefined ? { type: 'step-start', step: name } : { type: 'step-start', step: name, detail },
  );
  try {
    const result = await fn();
    events({ type: 'step-end', step: name, durationMillis: performance.now() - started, outcome: 'ok' });
    return result;
  } catch (error) {
    events({
      type: 'step-end',
      step: name,
      durationMillis: performance.now() - started,
      outcome: 'failed',
      error: errorMessage(error),
    });
    throw error;
  }
}
