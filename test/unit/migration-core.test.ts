import { describe, expect, it } from 'vitest';
import { migrationStrategies } from '../../harness/config/config-types.ts';
import type { HarnessEvent } from '../../harness/events.ts';
import type { PhaseName } from '../../harness/migrate/phase-evidence.ts';
import { type Phase, runPhases, undoPhases } from '../../harness/migrate/phase-result.ts';
import { readRunDocument } from '../../harness/report/read-run-document.ts';
import { evaluateThresholds, runMetrics } from '../../harness/verify/run-metrics.ts';
import { strategyPhases, strategyRollback } from '../support/strategy-phases.ts';

const fixture = new URL('../../fixtures/report/ci-local-seed/run.json', import.meta.url).pathname;

type Log = string[];
const step = (name: PhaseName, fails = false, undo?: Phase<Log>): Phase<Log> => ({
  name,
  undo,
  async run(log, evidence) {
    log.push(name);
    Object.assign(evidence, { ran: true });
    if (fails) throw new Error(`${name} broke`);
  },
});

describe('the phase runner', () => {
  it('runs phases in order, records the first failure with its error, and marks the rest not run; it never throws', async () => {
    const log: Log = [];
    const events: HarnessEvent[] = [];
    const results = await runPhases(
      [step('publish'), step('subscribe', true), step('initial sync')],
      log,
      (e) => events.push(e),
    );
    expect(log).toEqual(['publish', 'subscribe']);
    expect(results.map((r) => r.status)).toEqual(['ok', 'failed', 'not-run']);
    const failed = results[1];
    expect(failed?.status === 'failed' && [failed.error, failed.evidence]).toEqual([
      'subscribe broke',
      { ran: true },
    ]);
    const ok = results[0];
    expect(ok?.status === 'ok' && ok.endedAt >= ok.startedAt).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['step-start', 'step-end', 'step-start', 'step-end']);
  });

  it('undoes latest first, each undo once, skipping phases with nothing to undo', () => {
    const dropCopy = step('drop the copy on new');
    const dropRepl = step('drop replication');
    const unfreeze = step('unfreeze on old');
    const ran = [
      step('prepare new', false, dropCopy),
      step('publish', false, dropRepl),
      step('subscribe', false, dropRepl),
      step('initial sync'),
      step('freeze', false, unfreeze),
    ];
    expect(undoPhases(ran).map((p) => p.name)).toEqual([
      'unfreeze on old',
      'drop replication',
      'drop the copy on new',
    ]);
    expect(undoPhases(ran.slice(0, 1)).map((p) => p.name)).toEqual(['drop the copy on new']);
    expect(undoPhases([])).toEqual([]);
  });
});

describe('the strategies, as lists of phases', () => {
  it.each(migrationStrategies)(
    '%s freezes, passes the barrier, checks parity and switches, each once',
    async (strategy) => {
      const names = (await strategyPhases(strategy)).map((p) => p.name);
      for (const name of ['prepare new', 'freeze', 'freeze barrier', 'parity', 'switch'])
        expect(names.filter((n) => n === name)).toEqual([name]);
      expect(names.indexOf('freeze')).toBeLessThan(names.indexOf('freeze barrier'));
      expect(names.indexOf('freeze barrier')).toBeLessThan(names.indexOf('switch'));
      expect(new Set(names).size).toBe(names.length);
    },
  );

  it('holds the calls only between filling the pool and the switch, which releases them', async () => {
    const names: string[] = (await strategyPhases('logical', 'hold')).map((p) => p.name);
    const at = (n: string) => names.indexOf(n);
    expect(at('fill pool')).toBeGreaterThan(at('open connections'));
    expect(at('fill pool')).toBeLessThan(at('hold'));
    expect(at('hold')).toBeLessThan(at('freeze'));
    expect(at('catch-up')).toBeLessThan(at('switch'));
    expect(names).not.toContain('release');
    // The reject mode is untouched by it.
    expect((await strategyPhases('logical')).map((p) => p.name)).not.toContain('hold');
  });

  it('rolls back with the undo of its own phases: only logical has replication to drop', async () => {
    // Triggers dropped before the calls are let go, or the first ones would be rejected.
    expect((await strategyRollback('logical', 'hold')).map((p) => p.name)).toEqual([
      'unfreeze on old',
      'release',
      'drop replication',
      'drop the copy on new',
    ]);
    expect((await strategyRollback('logical')).map((p) => p.name)).toEqual([
      'unfreeze on old',
      'drop replication',
      'drop the copy on new',
    ]);
    for (const strategy of ['seed', 'matview', 'copy'] as const)
      expect((await strategyRollback(strategy)).map((p) => p.name)).toEqual([
        'unfreeze on old',
        'drop the copy on new',
      ]);
  });
});

describe('run metrics, recomputed from a recorded run', () => {
  it('gives the metrics and threshold outcomes the run recorded', async () => {
    const doc = await readRunDocument(fixture);
    const metrics = runMetrics({ ...doc, partition: doc.load.partition, stages: doc.rehearsal });
    expect(metrics).toEqual(doc.metrics);
    expect(
      evaluateThresholds(
        doc.thresholds.map((t) => t.expression),
        metrics,
      ),
    ).toEqual(doc.thresholds);
  });
});
