import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { epochNow } from '../util/epoch-clock.ts';
import { ClientLoop } from './client-loop.ts';
import type { EngineControl, EngineHealth, EngineSpec } from './engine-types.ts';
import type { ErrorSample } from './error-samples.ts';
import type { WriteLedger } from './ledger.ts';
import { Recorder, writingScripts } from './recorder.ts';
import type { SecondSample } from './samples.ts';

export interface EngineReport {
  samples: SecondSample[];
  histograms: Record<string, string>;
  ledger: WriteLedger;
  errors: { samples: ErrorSample[]; unsampled: number };
  health: EngineHealth;
}

/**
 * Runs this thread's share of the clients. Every second it hands over the samples of the
 * seconds that have ended; at the end, the rest, the encoded histograms, the ledger and
 * how busy its event loop was (to tell a generator-limited run).
 */
export async function runEngine(
  spec: EngineSpec,
  onSamples: (samples: SecondSample[], health: EngineHealth) => void,
  control: EngineControl,
) {
  const recorder = new Recorder(
    spec.startEpochMillis,
    spec.partitions,
    writingScripts(spec.groups.flatMap((g) => g.scripts)),
  );
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // Health is measured from the end of the first second: thread start-up and the initial
  // connection storm say nothing about whether the generator keeps up.
  let eluStart = performance.eventLoopUtilization();
  let warm = false;
  const health = (): EngineHealth => ({
    eventLoopDelayP99Millis: delay.percentile(99) / 1e6,
    eventLoopDelayMaxMillis: delay.max / 1e6,
    eventLoopUtilization: performance.eventLoopUtilization(eluStart).utilization,
  });
  const loops = spec.clients.map(([g, c]) => {
    const group = spec.groups[g];
    if (!group) throw new Error(`no load group ${g}`);
    return new ClientLoop(spec, group, recorder, c);
  });
  control.setRates = (rates) => {
    spec.clients.forEach(([g], i) => {
      loops[i]?.setGroupRate(rates[g]);
    });
  };
  control.resetHealth = () => {
    warm = true;
    delay.reset();
    eluStart = performance.eventLoopUtilization();
  };
  const currentSecond = () => Math.floor((epochNow() - spec.startEpochMillis) / 1000);
  const ticker = setInterval(() => {
    if (!warm && currentSecond() >= 1) {
      warm = true;
      delay.reset();
      eluStart = performance.eventLoopUtilization();
    }
    if (control.stopped) for (const l of loops) l.stop();
    const nowMillis = performance.now();
    for (const l of loops) l.checkTimeout(nowMillis);
    const samples = recorder.drain(currentSecond());
    if (samples.length) onSamples(samples, health());
  }, 200);
  try {
    await Promise.all(loops.map((l) => l.run()));
  } finally {
    clearInterval(ticker);
    delay.disable();
  }
  const histograms = Object.fromEntries(
    [...recorder.histograms].map(([key, h]) => [key, hdr.encodeIntoCompressedBase64(h)]),
  );
  const report: EngineReport = {
    samples: recorder.drain(Number.POSITIVE_INFINITY),
    histograms,
    ledger: recorder.ledger.finish(),
    errors: { samples: recorder.errors.list(), unsampled: recorder.errors.unsampled },
    health: health(),
  };
  return report;
}
