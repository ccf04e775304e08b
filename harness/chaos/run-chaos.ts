import type { MigrationStrategy } from '../config/config-types.ts';
import type { EventSink } from '../events.ts';
import { type CrashCaseResult, runCrashCase } from './crash-case.ts';
import { crashCaseLabel, crashMatrix, sampleCases } from './crash-matrix.ts';

export interface ChaosPlan {
  readonly strategies: readonly MigrationStrategy[];
  /** How many cells to run, drawn by seed; undefined: the whole matrix. */
  readonly sample?: number | undefined;
  readonly seed: number;
  /** Only the cases killed as this phase starts. */
  readonly phase?: string | undefined;
}

export interface ChaosResult {
  readonly seed: number;
  readonly matrixSize: number;
  readonly cases: readonly CrashCaseResult[];
  readonly passed: number;
}

/** The crash matrix, or a seeded sample of it, one case after another (each on its own topology). */
export async function runChaos(plan: ChaosPlan, events: EventSink): Promise<ChaosResult> {
  const matrix = (await crashMatrix(plan.strategies)).filter(
    (c) => plan.phase === undefined || c.phase === plan.phase,
  );
  const cases = plan.sample === undefined ? matrix : sampleCases(matrix, plan.sample, plan.seed);
  const results: CrashCaseResult[] = [];
  for (const [i, crash] of cases.entries()) {
    const name = `${crashCaseLabel(crash)} / killed at "${crash.phase}"`;
    events({ type: 'step-start', step: name, detail: `${i + 1} of ${cases.length}` });
    const result = await runCrashCase(crash, events);
    events({
      type: 'step-end',
      step: name,
      durationMillis: result.seconds * 1000,
      outcome: result.passed ? 'ok' : 'failed',
      ...(result.passed ? {} : { error: result.problems.join('; ') }),
    });
    results.push(result);
  }
  return {
    seed: plan.seed,
    matrixSize: matrix.length,
    cases: results,
    passed: results.filter((r) => r.passed).length,
  };
}
