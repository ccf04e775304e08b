/** Count, sum, sum of squares, min and max: what pgbench's -P and aggregate log report. */
export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
  min: number;
  max: number;
}

export function emptyMoments(): Moments {
  return { n: 0, sum: 0, sumSq: 0, min: Number.POSITIVE_INFINITY, max: 0 };
}

export function addValue(m: Moments, v: number): void {
  m.n++;
  m.sum += v;
  m.sumSq += v * v;
  if (v < m.min) m.min = v;
  if (v > m.max) m.max = v;
}

export function mergeMoments(into: Moments, from: Moments): void {
  into.n += from.n;
  into.sum += from.sum;
  into.sumSq += from.sumSq;
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
}

export function mean(m: Moments): number {
  return m.n ? m.sum / m.n : 0;
}

export function stddev(m: Moments): number {
  if (m.n === 0) return 0;
  const avg = m.sum / m.n;
  return Math.sqrt(Math.max(0, m.sumSq / m.n - avg * avg));
}
