import { type MigrationStrategy, migrationStrategies } from '../config/config-types.ts';
import { builtinSteps } from '../config/load-config.ts';
import { procedurePhases } from '../migrate/procedure.ts';

/** One cell of the matrix: `migrate` of a strategy killed -9 as a phase starts. */
export interface CrashCase {
  readonly strategy: MigrationStrategy;
  /** hold: the held switch, on a pooled topology (logical only); reject: every strategy's own. */
  readonly switch: 'reject' | 'hold';
  readonly phase: string;
}

/** How a case is named in progress and results: the strategy, and the held switch when it is one. */
export const crashCaseLabel = (c: CrashCase): string =>
  c.switch === 'hold' ? `${c.strategy} (held switch)` : c.strategy;

export async function crashMatrix(
  strategies: readonly MigrationStrategy[] = migrationStrategies,
): Promise<CrashCase[]> {
  const cases: CrashCase[] = [];
  for (const strategy of strategies) {
    // The held switch has phases of its own (fill pool, hold, release) where a crash leaves the partition paused.
    for (const mode of strategy === 'logical' ? (['reject', 'hold'] as const) : (['reject'] as const)) {
      const phases = procedurePhases(await builtinSteps(strategy, mode));
      cases.push(...phases.map((p) => ({ strategy, switch: mode, phase: p.name })));
    }
  }
  return cases;
}

/** mulberry32: a small PRNG, so that a seed names the same sample on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** count cases drawn without repetition, the same for the same seed. */
export function sampleCases(cases: readonly CrashCase[], count: number, seed: number): CrashCase[] {
  const next = random(seed);
  const pool = [...cases];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [pool[i], pool[j]] = [pool[j] as CrashCase, pool[i] as CrashCase];
  }
  return pool.slice(0, Math.min(count, pool.length));
}

/** A seed from any text (a commit hash): FNV-1a. */
export function seedFromText(text: string): number {
  let hash = 0x811c9dc5;
  for (const char of text) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
