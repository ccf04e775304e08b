import { sleep } from './sleep.ts';

/**
 * Runs probe every intervalMillis until done(value) holds or the deadline (a
 * performance.now() time) has passed; returns the last value and whether it was done.
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  deadline: number,
  intervalMillis: number,
): Promise<{ value: T; done: boolean }> {
  for (;;) {
    const value = await probe();
    if (done(value)) return { value, done: true };
    if (performance.now() > deadline) return { value, done: false };
    await sleep(intervalMillis);
  }
}

/** Polls until check() is true, or throws after timeoutMillis. Returns the milliseconds waited. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMillis: number,
  intervalMillis: number,
): Promise<number> {
  const started = performance.now();
  const { done } = await pollUntil(check, (ok) => ok, started + timeoutMillis, intervalMillis);
  if (!done) throw new Error(`${what}: not done after ${timeoutMillis} ms`);
  return Math.round(performance.now() - started);
}
