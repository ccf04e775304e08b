import { describe, expect, it } from 'vitest';
import { addSighting, type CallSighting, type CallTrail } from '../../harness/rehearsal/call-sightings.ts';

const fold = (...sightings: CallSighting[]): number[] => {
  const calls: number[] = [];
  const trail: CallTrail = {};
  for (const s of sightings) addSighting(calls, trail, s);
  return calls;
};
const active = (xactStart: number, queryStart: number): CallSighting => ({ xactStart, queryStart });
const idle = (queryStart: number | null): CallSighting => ({ xactStart: null, queryStart });

describe("a session's calls, from samples of pg_stat_activity", () => {
  it('counts one extended-protocol call once though Parse, Bind and Execute each moved query_start', () => {
    // Sampled after Parse, after Bind, then idle after Execute and Sync.
    expect(fold(active(100, 100), active(100, 400), idle(700), idle(700))).toEqual([100]);
  });

  it('counts each call that started and ended between two samples, by its query_start', () => {
    expect(fold(idle(100), idle(100), idle(250), idle(380))).toEqual([100, 250, 380]);
  });

  it('counts a call seen in flight and the next one seen in flight as two', () => {
    expect(fold(active(100, 100), active(180, 190), idle(195))).toEqual([100, 180]);
  });

  it('counts the calls after one seen in flight ended', () => {
    expect(fold(active(100, 100), idle(120), idle(300))).toEqual([100, 300]);
  });

  it('counts an open transaction sampled many times as one call', () => {
    expect(fold(idle(null), active(50, 60), active(50, 60), active(50, 90))).toEqual([50]);
  });
});
