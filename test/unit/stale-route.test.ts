import { describe, expect, it } from 'vitest';
import type { MigrationResult } from '../../harness/migrate/run-migration.ts';
import { type RouteSession, type RouteWatch, staleRouteCheck } from '../../harness/verify/stale-route.ts';

const switchAt = 1_000_000;
const switched = {
  phases: [{ name: 'switch', status: 'ok', startedAt: switchAt - 50, endedAt: switchAt, evidence: {} }],
  rollback: [],
  outcome: 'completed',
} as unknown as MigrationResult;

const session = (pid: number, firstSeenAt: number, lastSeenAt: number, ...calls: number[]): RouteSession => ({
  pid,
  app: '23',
  client: `127.0.0.1:${40000 + pid}`,
  firstSeenAt,
  lastSeenAt,
  callStartsOnOldClock: [switchAt - 3000, ...calls],
});

const watch = (sessions: RouteSession[], clockOffsetMillis = 0): RouteWatch => ({
  from: switchAt - 5000,
  until: switchAt + 8000,
  intervalMillis: 100,
  failedSamples: 0,
  sampledAt: Array.from({ length: 130 }, (_, i) => switchAt - 5000 + i * 100),
  clockOffsetMillis,
  sessions,
});

describe('no stale route, judged on a recorded watch of old', () => {
  it('passes when every session on old at the switch goes, and reports when each went', () => {
    const check = staleRouteCheck(
      watch([
        session(1, switchAt - 4000, switchAt + 300, switchAt - 20),
        session(2, switchAt - 4000, switchAt + 1200, switchAt - 5),
      ]),
      switched,
    );
    expect(check.passed).toBe(true);
    expect(check.evidence.propagation.map((p) => p.leftAfterMillis)).toEqual([350, 1250]);
    expect(check.evidence.slowestPropagationMillis).toBe(1250);
    expect(check.summary).toMatch(
      /^no call reached old after the switch; 2 of the 2 session\(s\) on old at the switch went, the last 1\.25 s after it began$/,
    );
  });

  it('fails on a call that starts on old after the switch, naming the session', () => {
    const stale = session(7, switchAt - 4000, switchAt + 8000, switchAt + 2500);
    const check = staleRouteCheck(
      watch([session(1, switchAt - 4000, switchAt + 300, switchAt - 20), stale]),
      switched,
    );
    expect(check.passed).toBe(false);
    expect(check.evidence.staleCalls).toEqual([
      { pid: 7, app: '23', client: '127.0.0.1:40007', afterSwitchMillis: 2500, callsAfterSwitch: 1 },
    ]);
    expect(check.summary).toMatch(
      /^1 session\(s\) called old after the switch: pid 7 \(23, 127\.0\.0\.1:40007\) from 2\.50 s after it, 1 call\(s\) seen$/,
    );
  });

  it("fails on rows written on old's tables after the switch, though no session was seen calling", () => {
    const quiet = watch([session(1, switchAt - 4000, switchAt + 300, switchAt - 20)]);
    const written = staleRouteCheck(
      { ...quiet, oldWrites: { sinceXid: 900, rowsByTable: { 'digoal.login_log': 2 }, deletedRows: 0 } },
      switched,
    );
    expect(written.passed).toBe(false);
    expect(written.summary).toBe("old's tables were written after the switch: 2 row(s) in digoal.login_log");
    const deleted = staleRouteCheck(
      { ...quiet, oldWrites: { sinceXid: 900, rowsByTable: {}, deletedRows: 1 } },
      switched,
    );
    expect(deleted.passed).toBe(false);
    const clean = staleRouteCheck(
      { ...quiet, oldWrites: { sinceXid: 900, rowsByTable: {}, deletedRows: 0 } },
      switched,
    );
    expect(clean.passed).toBe(true);
  });

  it("says when old's tables could not be read, judging on the sessions alone", () => {
    const check = staleRouteCheck(
      {
        ...watch([session(1, switchAt - 4000, switchAt + 300, switchAt - 20)]),
        oldWrites: { unknown: 'old was not sampled after the switch' },
      },
      switched,
    );
    expect(check.passed).toBe(true);
    expect(check.summary).toMatch(
      /whether old's tables took a write is unknown: old was not sampled after the switch$/,
    );
  });

  it('fails on a session that connects to old only after the switch and calls there', () => {
    const late = session(9, switchAt + 3000, switchAt + 3100, switchAt + 3050);
    const check = staleRouteCheck(watch([late]), switched);
    expect(check.passed).toBe(false);
    expect(check.evidence.propagation).toEqual([]);
  });

  it("reads the calls' start on old's clock: a call before the switch is not stale however old's clock runs", () => {
    // old's clock 1 s ahead: its call at switch + 500 by old's clock started 500 ms before the switch here.
    const ahead = staleRouteCheck(
      watch([session(1, switchAt - 4000, switchAt + 200, switchAt + 500)], 1000),
      switched,
    );
    expect(ahead.passed).toBe(true);
    const behind = staleRouteCheck(
      watch([session(1, switchAt - 4000, switchAt + 200, switchAt - 500)], -2000),
      switched,
    );
    expect(behind.passed).toBe(false);
  });

  it('excuses a call in flight at the switch, and not one past the grace', () => {
    const inFlight = staleRouteCheck(
      watch([session(1, switchAt - 4000, switchAt + 900, switchAt + 800)]),
      switched,
    );
    expect(inFlight.passed).toBe(true);
    const late = staleRouteCheck(
      watch([session(1, switchAt - 4000, switchAt + 1300, switchAt + 1200)]),
      switched,
    );
    expect(late.passed).toBe(false);
  });

  it('fails on a second call on old after the switch, however soon: a call in flight is one call', () => {
    const twice = staleRouteCheck(
      watch([session(4, switchAt - 4000, switchAt + 8000, switchAt + 100, switchAt + 300)]),
      switched,
    );
    expect(twice.passed).toBe(false);
    expect(twice.evidence.staleCalls).toEqual([
      expect.objectContaining({ pid: 4, afterSwitchMillis: 100, callsAfterSwitch: 2 }),
    ]);
  });

  it("stretches the grace for one call in flight to the host's reconnection storm", () => {
    // A backend still opening its connection to old when the switch ends sends its one call late.
    const late = watch([session(5, switchAt - 4000, switchAt + 8000, switchAt + 3000)]);
    expect(staleRouteCheck(late, switched, 5000).passed).toBe(true);
    expect(staleRouteCheck(late, switched).passed).toBe(false);
  });

  it('reports a session idle since before the switch and still on old at the end, without failing', () => {
    const check = staleRouteCheck(
      watch([session(3, switchAt - 4000, switchAt + 8000, switchAt - 100)]),
      switched,
    );
    expect(check.passed).toBe(true);
    expect(check.evidence.propagation).toEqual([expect.objectContaining({ pid: 3, leftAfterMillis: null })]);
    expect(check.summary).toMatch(/1 still there, idle since before it$/);
  });

  it('fails when old could not be watched, and passes with nothing to judge when there was no switch', () => {
    expect(staleRouteCheck(undefined, switched).passed).toBe(false);
    expect(staleRouteCheck({ ...watch([]), sampledAt: [] }, switched).passed).toBe(false);
    const noSwitch = { ...switched, phases: [] } as unknown as MigrationResult;
    expect(staleRouteCheck(undefined, noSwitch)).toMatchObject({
      passed: true,
      summary: 'no switch: the partition stayed on old',
    });
  });
});
