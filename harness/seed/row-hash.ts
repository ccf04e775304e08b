/**
 * A 32-bit mix of the row's coordinates (murmur3's finaliser over a running combination):
 * the same inputs give the same value on every machine and every run.
 */
export function rowHash(seed: number, shard: number, table: number, userid: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  for (const v of [shard, table, userid]) {
    h = Math.imul(h ^ v, 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
    h = Math.imul(h, 0x1b873593);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
