import { describe, expect, it } from 'vitest';
import { reconnectedAfterSeconds } from '../../harness/rehearsal/storm-watch.ts';

const at = (second: number, connections: number) => ({ at: 1_000_000 + second * 1000, connections });

describe('the switch storm, measured from PL/Proxy connection counts', () => {
  it('ends when the count is back at its plateau, not at the count before the move', () => {
    // 640 before the switch; the moved partition's clients come back to it alone: 400.
    const samples = [at(0, 640), at(1, 640), at(2, 10), at(5, 150), at(9, 390), at(12, 400), at(20, 398)];
    expect(reconnectedAfterSeconds(samples, 1_000_000 + 1500)).toBe(7.5);
  });

  it('is 0 s when the connections never dropped (a pooled switch changes no connstring)', () => {
    expect(reconnectedAfterSeconds([at(0, 640), at(1, 640), at(2, 640)], 1_000_000 + 500)).toBe(0.5);
  });

  it('is unknown without a sample after the switch', () => {
    expect(reconnectedAfterSeconds([at(0, 640)], 1_000_000 + 500)).toBeUndefined();
  });
});
