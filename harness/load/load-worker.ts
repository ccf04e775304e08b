import { parentPort, workerData } from 'node:worker_threads';
import type { EngineControl, EngineSpec } from './engine-types.ts';
import { ledgerBuffers } from './ledger.ts';
import { runEngine } from './load-engine.ts';

/**
 * A generator thread: runs its clients and streams samples to the main thread; a 'stop'
 * message ends the run early, {rates} changes the groups' rates, 'reset-health' restarts the
 * event loop's health measurement. Messages out: {samples, health}, then {report}.
 */
const spec = workerData as EngineSpec;
const control: EngineControl = { stopped: false };
parentPort?.on('message', (m: unknown) => {
  if (m === 'stop') control.stopped = true;
  else if (m === 'reset-health') control.resetHealth?.();
  else if (typeof m === 'object' && m !== null && 'rates' in m)
    control.setRates?.((m as { rates: Array<number | undefined> }).rates);
});
const report = await runEngine(
  spec,
  (samples, health) => parentPort?.postMessage({ samples, health }),
  control,
);
// The ledger's buffers move to the main thread rather than being copied: one ledger in memory, not two.
parentPort?.postMessage({ report }, ledgerBuffers(report.ledger));
