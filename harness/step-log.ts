import { appendFileSync } from 'node:fs';

/**
 * SHARDMOVE_STEP_LOG=<file>: every step's name and duration appended as one JSON line, by
 * this process and every shardmove it starts (they inherit the variable). The test suite
 * reads it to say where each file spends its time; a run's own timings are in its report.
 * Synchronous, so a line is not lost to the exit that follows it; never a failure.
 */
export function logStepTime(step: string, durationMillis: number): void {
  const file = process.env.SHARDMOVE_STEP_LOG;
  if (!file) return;
  const line = { step, durationMillis, tag: process.env.SHARDMOVE_STEP_LOG_TAG };
  try {
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  } catch {
    // A diagnostic only.
  }
}
