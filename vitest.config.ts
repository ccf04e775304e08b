import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const ci = Boolean(process.env.CI);
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
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          setupFiles: ['./test/support/step-log-tag.ts'],
          sequence: { groupOrder: 1 },
          // One file at a time. Two at a time took as long (the fresh-clone run of 1846072:
          // the files without a judged rehearsal, 14.8 min beside each other against 14.4 min
          // one after another, on 2 cores): their time is CPU, PostgreSQL forking a backend per
          // connection. And a rehearsal's verdict reads the host's load, so nothing may run
          // beside it.
          fileParallelism: false,
          // Generous: a whole rehearsal on a host where connections are expensive (or rehearsed
          // as one, SHARDMOVE_CONNECTION_CPU_MS) warms up for a minute and storms for longer.
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
