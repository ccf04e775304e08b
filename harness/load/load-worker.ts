import { parentPort, workerData } from 'node:worker_threads';
import type { EngineSpec } from './engine-types.ts';
import { runEngine } from './load-engine.ts';

/**
 * A generator thread: runs its clients and streams samples to the main thread; a 'stop'
 * message ends the run early. Messages: {samples, health}, then {report}.
 */
const spec = workerData as EngineSpec;
const stopSignal = { stopped: false };
parentPort?.on('message', (m: unknown) => {
  if (m === 'stop') stopSignal.stopped = true;
});
const report = await runEngine(
  spec,
  (samples, health) => parentPort?.postMessage({ samples, health }),
  stopSignal,
);
parentPort?.postMessage({ report });
