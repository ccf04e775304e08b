import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import type { Endpoint } from '../config/dsn.ts';
import { ShardmoveError } from '../errors.ts';
import { epochNow } from '../util/epoch-clock.ts';
import type { EngineHealth, EngineSpec } from './engine-types.ts';
import { type ErrorSample, ErrorSamples } from './error-samples.ts';
import { mergeLedgers, type WriteLedger } from './ledger.ts';
import type { EngineReport } from './load-engine.ts';
import { newHistogram } from './recorder.ts';
import {
  emptyCounts,
  emptySecond,
  mergeCounts,
  mergeSecond,
  type OutcomeCounts,
  type SecondSample,
} from './samples.ts';
import type { LoadGroup } from './scripts.ts';

export interface LoadSpec {
  readonly target: Endpoint;
  readonly groups: readonly LoadGroup[];
  readonly partitions: number;
  readonly durationSeconds?: number | undefined;
  readonly transactionsPerClient?: number | undefined;
  readonly ratePerSecond?: number | undefined;
  readonly latencyLimitMillis?: number | undefined;
  readonly callTimeoutMillis?: number | undefined;
  readonly connectTimeoutMillis?: number | undefined;
  /** Each client calls every partition once, unrecorded, before it starts (see ClientLoop.prime). */
  readonly prime?: boolean | undefined;
  /** Generator threads; auto: one per 64 clients, at most one per core (a thread costs CPU the database could use). */
  readonly threads?: number | 'auto' | undefined;
}

export interface Percentiles {
  count: number;
  meanMillis: number;
  stddevMillis: number;
  p50Millis: number;
  p90Millis: number;
  p99Millis: number;
  p999Millis: number;
  maxMillis: number;
}

export interface GeneratorHealth {
  threads: number;
  eventLoopDelayP99Millis: number;
  eventLoopUtilization: number;
  /** The generator itself may have capped throughput: its event loop was saturated. */
  limited: boolean;
}

export interface LoadResult {
  startEpochMillis: number;
  endEpochMillis: number;
  clients: number;
  seconds: SecondSample[];
  totals: OutcomeCounts & { skipped: number; reconnects: number };
  tps: number;
  latency: { overall: Percentiles; byScript: Record<string, Percentiles>; byPartition: Percentiles[] };
  /** HDR histograms (µs), compressed base64, by `script:NAME`, `partition:N` and `all`. */
  histograms: Record<string, string>;
  ledger: WriteLedger;
  /** Distinct failures (script, class, SQLSTATE, message) with first time and count; beyond 50 only counted. */
  errors: { samples: ErrorSample[]; unsampled: number };
  generator: GeneratorHealth;
}

export interface RunningLoad {
  readonly startEpochMillis: number;
  /** Called once per ended second with that second's sample (all threads merged). */
  onSecond(listener: (sample: SecondSample) => void): void;
  /** New open-loop rates per group, in calls per second over the group's clients (undefined: closed loop). */
  setRates(rates: ReadonlyArray<number | undefined>): void;
  /** Measure the generator's health from now on (its warm-up and a closed-loop probe saturate it on purpose). */
  resetHealth(): void;
  /** The generator's health since the last reset, as the threads last reported it. */
  health(): GeneratorHealth;
  /** Ends the run early; resolves with the result once every client has stopped. */
  stop(): Promise<LoadResult>;
  readonly done: Promise<LoadResult>;
}

const workerUrl = new URL('./load-worker-entry.mjs', import.meta.url);

function percentiles(h: hdr.Histogram): Percentiles {
  const ms = (us: number) => us / 1000;
  return {
    count: h.totalCount,
    meanMillis: ms(h.mean),
    stddevMillis: ms(h.stdDeviation),
    p50Millis: ms(h.getValueAtPercentile(50)),
    p90Millis: ms(h.getValueAtPercentile(90)),
    p99Millis: ms(h.getValueAtPercentile(99)),
    p999Millis: ms(h.getValueAtPercentile(99.9)),
    maxMillis: ms(h.maxValue),
  };
}

/** The worst thread decides: one saturated thread caps its clients' throughput. */
function generatorHealth(threads: number, perThread: readonly EngineHealth[]): GeneratorHealth {
  const p99 = Math.max(0, ...perThread.map((h) => h.eventLoopDelayP99Millis));
  const utilization = Math.max(0, ...perThread.map((h) => h.eventLoopUtilization));
  return {
    threads,
    eventLoopDelayP99Millis: p99,
    eventLoopUtilization: utilization,
    limited: utilization > 0.9 || p99 > 50,
  };
}

function threadCount(spec: LoadSpec, clients: number): number {
  if (typeof spec.threads === 'number') return Math.max(1, Math.min(spec.threads, clients));
  return Math.max(1, Math.min(availableParallelism(), Math.ceil(clients / 64), clients));
}

/**
 * Starts the load: clients spread over worker threads, one connection each. Samples of each
 * ended second are merged across threads and handed to listeners; the result holds every
 * second, per-partition and per-script figures, HDR percentiles and the write ledger.
 */
export function startLoad(spec: LoadSpec): RunningLoad {
  const clientSlots = spec.groups.flatMap((g, gi) =>
    Array.from({ length: g.clients }, (_, ci) => [gi, ci] as const),
  );
  const threads = threadCount(spec, clientSlots.length);
  const startEpochMillis = Math.ceil(epochNow()) + 200;
  const base: Omit<EngineSpec, 'clients'> = {
    target: {
      host: spec.target.host,
      port: spec.target.port,
      user: spec.target.user,
      database: spec.target.database,
      password: spec.target.password?.reveal(),
      tls: spec.target.tls,
    },
    groups: spec.groups,
    partitions: spec.partitions,
    durationSeconds: spec.durationSeconds,
    transactionsPerClient: spec.transactionsPerClient,
    ratePerSecond: spec.ratePerSecond,
    latencyLimitMillis: spec.latencyLimitMillis,
    callTimeoutMillis: spec.callTimeoutMillis ?? 10_000,
    connectTimeoutMillis: spec.connectTimeoutMillis ?? 10_000,
    startEpochMillis,
    totalClients: clientSlots.length,
    prime: spec.prime ?? false,
  };
  const listeners: Array<(s: SecondSample) => void> = [];
  const pending = new Map<number, SecondSample>();
  const all = new Map<number, SecondSample>();
  const health: EngineHealth[] = [];
  let emittedUpTo = 0;
  const absorb = (samples: SecondSample[]) => {
    for (const s of samples) {
      const target = all.get(s.second) ?? emptySecond(s.second, spec.partitions);
      mergeSecond(target, s);
      all.set(s.second, target);
      if (s.second >= emittedUpTo) pending.set(s.second, target);
    }
  };
  // Emit a second once every thread has had time to hand it over (they drain every 200 ms).
  // A run's last second comes only with the threads' final reports (their drains take ended
  // seconds, and the clients stop as it ends): `done` emits it, never the timer, which would
  // hand listeners an empty last second (a progress line of 0 tps that pgbench never shows).
  const lastSecond =
    spec.durationSeconds === undefined ? Number.POSITIVE_INFINITY : Math.ceil(spec.durationSeconds) - 1;
  const emitter = setInterval(() => {
    const ended = Math.min(lastSecond, Math.floor((epochNow() - startEpochMillis - 500) / 1000));
    while (emittedUpTo < ended) {
      const sample =
        pending.get(emittedUpTo) ?? all.get(emittedUpTo) ?? emptySecond(emittedUpTo, spec.partitions);
      all.set(emittedUpTo, sample);
      pending.delete(emittedUpTo);
      for (const l of listeners) l(sample);
      emittedUpTo++;
    }
  }, 100);

  const workers = Array.from({ length: threads }, (_, t) => {
    const clients = clientSlots.filter((_, i) => i % threads === t);
    return new Worker(workerUrl, { workerData: { ...base, clients } satisfies EngineSpec });
  });
  const reports = workers.map(
    (worker, t) =>
      new Promise<EngineReport>((resolve, reject) => {
        worker.on(
          'message',
          (m: { samples?: SecondSample[]; health?: EngineHealth; report?: EngineReport }) => {
            if (m.samples) absorb(m.samples);
            if (m.health) health[t] = m.health;
            if (m.report) resolve(m.report);
          },
        );
        // What ends a generator thread is a connection the run cannot have (a wrong password, a
        // proxy gone for good): said as such, with the thread's error as the cause.
        worker.on('error', (error) => reject(new ShardmoveError(error.message, { cause: error })));
        worker.on('exit', (code) =>
          reject(new Error(`load thread ${t} exited with code ${code} before reporting`)),
        );
      }),
  );

  let stopRequestedAt: number | undefined;
  const done = (async (): Promise<LoadResult> => {
    let finished: EngineReport[];
    try {
      finished = await Promise.all(reports);
    } finally {
      clearInterval(emitter);
      await Promise.all(workers.map((w) => w.terminate()));
    }
    // The load ends when it was told to (or its duration ran out), not when the last
    // in-flight call came back: the seconds after that had nothing scheduled in them and
    // must not count as full seconds of the run.
    const plannedEnd =
      spec.durationSeconds === undefined ? undefined : startEpochMillis + spec.durationSeconds * 1000;
    const endEpochMillis = Math.min(
      epochNow(),
      stopRequestedAt ?? Number.POSITIVE_INFINITY,
      plannedEnd ?? Number.POSITIVE_INFINITY,
    );
    const ledger = mergeLedgers(
      spec.partitions,
      finished.map((r) => r.ledger),
    );
    const merged = new Map<string, hdr.Histogram>();
    const errors = new ErrorSamples();
    for (const r of finished) {
      absorb(r.samples);
      errors.merge(r.errors.samples, r.errors.unsampled);
      for (const [key, encoded] of Object.entries(r.histograms)) {
        const h = hdr.decodeFromCompressedBase64(encoded);
        const into = merged.get(key) ?? newHistogram();
        into.add(h);
        merged.set(key, into);
      }
    }
    const overall = newHistogram();
    for (const [key, h] of merged) if (key.startsWith('script:')) overall.add(h);
    merged.set('all', overall);
    const seconds = [...all.values()].sort((a, b) => a.second - b.second);
    // Calls in flight at the end land in a second after it: counted in the totals, but that
    // second is not one of the run's and gets no progress line.
    const runSeconds = Math.ceil((endEpochMillis - startEpochMillis) / 1000);
    for (const s of seconds.filter((x) => x.second >= emittedUpTo && x.second < runSeconds))
      for (const l of listeners) l(s);
    const totals = { ...emptyCounts(), skipped: 0, reconnects: 0 };
    for (const s of seconds) {
      for (const p of s.partitions) mergeCounts(totals, p);
      totals.reconnects += s.reconnects;
    }
    const byScript = Object.fromEntries(
      [...merged].filter(([k]) => k.startsWith('script:')).map(([k, h]) => [k.slice(7), percentiles(h)]),
    );
    const byPartition = Array.from({ length: spec.partitions }, (_, p) =>
      percentiles(merged.get(`partition:${p}`) ?? newHistogram()),
    );
    return {
      startEpochMillis,
      endEpochMillis,
      clients: clientSlots.length,
      seconds,
      totals,
      tps: totals.ok / Math.max(0.001, (endEpochMillis - startEpochMillis) / 1000),
      latency: { overall: percentiles(overall), byScript, byPartition },
      histograms: Object.fromEntries([...merged].map(([k, h]) => [k, hdr.encodeIntoCompressedBase64(h)])),
      ledger,
      errors: { samples: errors.list(), unsampled: errors.unsampled },
      generator: generatorHealth(
        threads,
        finished.map((r) => r.health),
      ),
    };
  })();

  return {
    startEpochMillis,
    onSecond: (listener) => {
      listeners.push(listener);
    },
    setRates: (rates) => {
      for (const w of workers) w.postMessage({ rates: [...rates] });
    },
    resetHealth: () => {
      health.length = 0;
      for (const w of workers) w.postMessage('reset-health');
    },
    health: () => generatorHealth(threads, health),
    stop: () => {
      stopRequestedAt ??= epochNow();
      for (const w of workers) w.postMessage('stop');
      return done;
    },
    done,
  };
}
