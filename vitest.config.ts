import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const ci = Boolean(process.env.CI);
const integrationWorkers = Number(process.env.SHARDMOVE_TEST_WORKERS ?? 2);

/**
 * Run one at a time, alone: the files that rehearse under load (a rehearsal's warm-up, verdict,
 * thresholds and recovery read the host's load), and stale-route, whose subject is what a
 * 100 ms watch tells apart.
 */
const alone = [
  'and-back',
  'cases',
  'external-provider',
  'faults',
  'held-switch',
  'migration',
  'pooler',
  'report',
  'run-keep',
  'slow-host',
  'stale-route',
].map((name) => `test/integration/${name}.test.ts`);

const integration = {
  setupFiles: ['./test/support/step-log-tag.ts', './test/support/worker-scope.ts'],
  // Generous: a whole rehearsal on a host where connections are expensive (or rehearsed
  // as one, SHARDMOVE_CONNECTION_CPU_MS) warms up for a minute and storms for longer.
  testTimeout: 600_000,
  hookTimeout: 900_000,
};
// Every harness step's duration, from the test workers and the CLIs they start, for the
// slowest-files table (test/support/slowest-files-reporter.ts reads and removes it).
process.env.SHARDMOVE_STEP_LOG ??= join(tmpdir(), `shardmove-step-log-${process.pid}.jsonl`);

export default defineConfig({
  test: {
    reporters: ci
      ? [
          'default',
          './test/support/slowest-files-reporter.ts',
          ['junit', { outputFile: 'reports/junit.xml' }],
        ]
      : ['default', './test/support/slowest-files-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          sequence: { groupOrder: 0 },
          // vitest's 5 s is a timed assertion on a busy or slow host (the ledger test of a
          // million writes took 8.6 s beside a rehearsal); a hang still fails.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          ...integration,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: alone,
          sequence: { groupOrder: 1 },
          // Two files at a time: none judges a rehearsal, and each worker's runs are its own
          // (test/support/worker-scope.ts). SHARDMOVE_TEST_WORKERS=1 runs one at a time.
          maxWorkers: integrationWorkers,
        },
      },
      {
        test: {
          ...integration,
          name: 'alone',
          include: alone,
          sequence: { groupOrder: 2 },
          // A rehearsal's verdict reads the host's load (a busy host makes it inconclusive),
          // and a watch's timings its latency: nothing else may run beside them.
          fileParallelism: false,
        },
      },
    ],
  },
});
