import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends `npm test` with the ten slowest test files and where each spent its time: the hooks
 * (beforeAll/afterAll: provisioning, seeding, the rehearsal a file's tests then read) against
 * the test bodies. What to cut first to make the suite cheaper is read off this table.
 */
export default class SlowestFilesReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules
      .map((m) => {
        const total = m.diagnostic().duration;
        let tests = 0;
        let inTests = 0;
        for (const t of m.children.allTests()) {
          tests++;
          inTests += t.diagnostic()?.duration ?? 0;
        }
        return { file: relative(process.cwd(), m.moduleId), total, inTests, tests };
      })
      .sort((a, b) => b.total - a.total)
      .slice(0, 10);
    if (rows.length === 0) return;
    const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`.padStart(7);
    const lines = [
      '',
      'slowest test files (total, in hooks: provision/seed/rehearse, in test bodies, tests):',
      ...rows.map(
        (r) =>
          `  ${s(r.total)} ${s(Math.max(0, r.total - r.inTests))} ${s(r.inTests)} ${String(r.tests).padStart(4)}  ${r.file}`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
