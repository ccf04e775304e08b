/** Epoch milliseconds with sub-millisecond resolution: the load generator's clock, which every phase and stage time uses. */
export const epochNow = (): number => performance.timeOrigin + performance.now();
