import { expect } from 'vitest';

// Tags the harness's step log (harness/step-log.ts) with the file running in this worker;
// the CLIs a test starts inherit it with the rest of the environment.
process.env.SHARDMOVE_STEP_LOG_TAG = expect.getState().testPath ?? '';
