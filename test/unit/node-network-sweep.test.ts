import { describe, expect, it } from 'vitest';
import { alreadyGone, shapingQdisc } from '../../harness/provision/node-network.ts';

/** A sweep of a run's network treats "it is not there" as done, and only that. */
describe('alreadyGone', () => {
  it('counts a link that went between its lookup and its delete as gone (CI, stop 21)', () => {
    expect(alreadyGone('ip link del failed (exit 2):\nRTNETLINK answers: No such device')).toBe(true);
  });
  it('counts a missing namespace, link or rule as gone', () => {
    expect(alreadyGone('Cannot remove namespace file "/run/netns/x": No such file or directory')).toBe(true);
    expect(alreadyGone('Cannot find device "smv1p"')).toBe(true);
    expect(alreadyGone('iptables: Bad rule (does a matching rule exist in that chain?).')).toBe(true);
  });
  it('does not count a refusal as gone', () => {
    expect(alreadyGone('RTNETLINK answers: Operation not permitted')).toBe(false);
    expect(alreadyGone('Cannot remove namespace file "/run/netns/x": Device or resource busy')).toBe(false);
  });
});

describe('shapingQdisc', () => {
  it('asks netem for a delay, with its own rate when both are given', () => {
    expect(shapingQdisc({ delayMillis: 5, bandwidthMbit: 0 })).toEqual(['root', 'netem', 'delay', '5ms']);
    expect(shapingQdisc({ delayMillis: 5, bandwidthMbit: 100 })).toEqual([
      'root',
      'netem',
      'delay',
      '5ms',
      'rate',
      '100mbit',
    ]);
  });
  it('asks tbf for a rate alone, with a bucket of one tick at that rate and never under 32 KiB', () => {
    expect(shapingQdisc({ delayMillis: 0, bandwidthMbit: 8 })).toEqual([
      'root',
      'tbf',
      'rate',
      '8mbit',
      'burst',
      '32kb',
      'latency',
      '50ms',
    ]);
    expect(shapingQdisc({ delayMillis: 0, bandwidthMbit: 1000 })?.[5]).toBe('489kb');
  });
  it('asks for nothing when the link is left alone', () => {
    expect(shapingQdisc({ delayMillis: 0, bandwidthMbit: 0 })).toBeUndefined();
  });
});
