/**
 * The promise's outcome, or a rejection with `message` once `millis` have passed: for work
 * that may hang on a node that does not answer (a paused one), where a poll's own deadline
 * is never checked again. The work itself goes on; its later outcome is ignored.
 */
export async function withinDeadline<T>(work: Promise<T>, millis: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), Math.max(0, millis));
  });
  work.catch(() => {});
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
