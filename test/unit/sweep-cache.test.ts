import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardmoveConfig } from '../../harness/config/config-types.ts';
import { loadConfig } from '../../harness/config/load-config.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { type MeasurePoint, runSweep } from '../../harness/predict/run-sweep.ts';
import { harnessCodeHash } from '../../harness/predict/sweep-cache.ts';
import { readRunDocument } from '../../harness/report/read-run-document.ts';
import type { RunDocument } from '../../harness/report/run-document.ts';

const fixture = join(import.meta.dirname, '../../fixtures/report/ci-local-seed/run.json');
const build = { shardmoveVersion: 'test', gitCommit: 'test' };

let base: RunDocument;
let work: string;
let config: ShardmoveConfig;

beforeAll(async () => {
  base = await readRunDocument(fixture);
  work = await mkdtemp(join(tmpdir(), 'shardmove-sweep-cache-'));
  config = (await loadConfig({ flags: { seeding: { profile: 'ci' }, migration: { strategy: 'seed' } } }))
    .config;
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Stands for the rehearsal: counts the points it was asked to measure. */
function countingMeasure(): { measure: MeasurePoint; measured: string[] } {
  const measured: string[] = [];
  const measure: MeasurePoint = async (sized) => {
    const doc = structuredClone(base);
    doc.runId = `point-${measured.length}`;
    Object.assign(doc.config as object, { seeding: sized.seeding });
    measured.push(`${sized.seeding.moved?.userinfoRows}`);
    return doc;
  };
  return { measure, measured };
}

describe('a sweep resumes from the points it measured before', () => {
  const sweep = async (
    plan: { cacheDir: string; reuseCached?: boolean; configs?: ShardmoveConfig[] },
    measure: MeasurePoint,
  ) => {
    const lines: string[] = [];
    const docs = await runSweep(
      {
        configs: (plan.configs ?? [config]).map((c) => ({ config: c, scenario: 'seed-db23' })),
        shares: [0.2, 1],
        repeat: 1,
        root: await mkdtemp(join(work, 'sweep-')),
        cacheDir: plan.cacheDir,
        reuseCached: plan.reuseCached,
      },
      build,
      ignoreEvents,
      (doc, _dir, reused) => lines.push(`${doc.runId}${reused ? ' reused' : ''}`),
      measure,
    );
    return { docs, lines };
  };

  it('measures each point once, then reuses it; --fresh and changed settings measure again', async () => {
    const cacheDir = join(work, 'cache');
    const first = countingMeasure();
    const one = await sweep({ cacheDir }, first.measure);
    expect(first.measured).toEqual(['20000', '100000']);
    expect(one.lines).toEqual(['point-0', 'point-1']);
    expect((await readdir(cacheDir)).sort()).toEqual([
      'ci-seed-100pct-round1.json',
      'ci-seed-20pct-round1.json',
    ]);

    const again = countingMeasure();
    const two = await sweep({ cacheDir }, again.measure);
    expect(again.measured).toEqual([]);
    expect(two.lines).toEqual(['point-0 reused', 'point-1 reused']);
    expect(two.docs.map((d) => d.metrics)).toEqual(one.docs.map((d) => d.metrics));

    const fresh = countingMeasure();
    await sweep({ cacheDir, reuseCached: false }, fresh.measure);
    expect(fresh.measured).toHaveLength(2);

    const other = countingMeasure();
    const slower = { ...config, load: { ...config.load, clients: config.load.clients + 1 } };
    await sweep({ cacheDir, configs: [slower] }, other.measure);
    expect(other.measured).toHaveLength(2);
  });

  it('measures again a point whose file was torn', async () => {
    const cacheDir = join(work, 'torn');
    await sweep({ cacheDir }, countingMeasure().measure);
    await writeFile(join(cacheDir, 'ci-seed-20pct-round1.json'), '{"key": {"codeHash"');
    const after = countingMeasure();
    const { lines } = await sweep({ cacheDir }, after.measure);
    expect(after.measured).toEqual(['20000']);
    expect(lines).toEqual(['point-0', 'point-1 reused']);
  });
});

it("the code's hash changes with any file under the directory", async () => {
  const dir = await mkdtemp(join(work, 'code-'));
  await writeFile(join(dir, 'a.ts'), 'export const a = 1;\n');
  const before = await harnessCodeHash(dir);
  expect(await harnessCodeHash(dir)).toBe(before);
  await writeFile(join(dir, 'a.ts'), 'export const a = 2;\n');
  expect(await harnessCodeHash(dir)).not.toBe(before);
});
