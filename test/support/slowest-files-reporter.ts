import { readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** Where the suite's time goes, by the harness's step names (harness/step-log.ts). */
const stages = {
  provision: ['choose provider', 'provision', 'build node image'],
  seed: ['install schema', 'check routing', 'seed', 'record settings', 'restore snapshots', 'snapshot'],
  'warm-up': ['per-call cost', 'connection cost', 'link costs', 'warm-up', 'capacity probe', 'baseline load'],
  settle: ['settle', 'verify'],
  teardown: ['teardown'],
} as const;
type Stage = keyof typeof stages | 'move';
const columns: readonly Stage[] = ['provision', 'seed', 'warm-up', 'move', 'settle', 'teardown'];

/** Every step not named above is a phase of a move (or of its rollback, or drop old). */
function stageOf(step: string): Stage {
  for (const [stage, names] of Object.entries(stages)) {
    if ((names as readonly string[]).includes(step)) return stage as Stage;
  }
  return 'move';
}

interface Line {
  step: string;
  durationMillis: number;
  tag?: string;
}

function stageTimes(): Map<string, Record<Stage, number>> {
  const file = process.env.SHARDMOVE_STEP_LOG;
  const byFile = new Map<string, Record<Stage, number>>();
  if (!file) return byFile;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
    rmSync(file, { force: true });
  } catch {
    return byFile;
  }
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const line = JSON.parse(raw) as Line;
    if (!line.tag) continue;
    const row =
      byFile.get(line.tag) ?? (Object.fromEntries(columns.map((c) => [c, 0])) as Record<Stage, number>);
    row[stageOf(line.step)] += line.durationMillis;
    byFile.set(line.tag, row);
  }
  return byFile;
}

/**
 * Ends `npm test` with the ten slowest test files and where each spent its time: by the
 * harness's stages (provision, seed, warm-up, the move, settle and verify, teardown; steps
 * run concurrently, as two providers' topologies, can add up to more than the file), and
 * the hooks (beforeAll/afterAll) against the test bodies. What to cut first is read off it.
 */
export default class SlowestFilesReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const times = stageTimes();
    const rows = modules
      .map((m) => {
        const total = m.diagnostic().duration;
        let tests = 0;
        let inTests = 0;
        for (const t of m.children.allTests()) {
          tests++;
          inTests += t.diagnostic()?.duration ?? 0;
        }
        return {
          file: relative(process.cwd(), m.moduleId),
          total,
          inTests,
          tests,
          stages: times.get(m.moduleId),
        };
      })
      .sort((a, b) => b.total - a.total)
      .slice(0, 10);
    if (rows.length === 0) return;
    const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`.padStart(7);
    const header = ['total', 'hooks', 'bodies', ...columns].map((c) => c.padStart(10)).join('');
    const lines = [
      '',
      'slowest test files (seconds: total; in hooks and in test bodies; by the harness stage it ran):',
      `${header}  tests  file`,
      ...rows.map((r) => {
        const cells = [
          r.total,
          Math.max(0, r.total - r.inTests),
          r.inTests,
          ...columns.map((c) => r.stages?.[c] ?? 0),
        ];
        return `${cells.map((ms) => s(ms).padStart(10)).join('')}  ${String(r.tests).padStart(5)}  ${r.file}`;
      }),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
