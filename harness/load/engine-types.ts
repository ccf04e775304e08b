import type { TlsSettings } from '../config/dsn.ts';
import type { LoadGroup } from './scripts.ts';

/** Everything a thread of the generator needs; plain data, so it crosses to a worker. */
export interface EngineSpec {
  readonly target: {
    host: string;
    port: number;
    user: string;
    database: string;
    password: string | undefined;
    tls?: TlsSettings | undefined;
  };
  readonly groups: readonly LoadGroup[];
  /** Which clients of each group this thread runs: [group index, client index] pairs. */
  readonly clients: ReadonlyArray<readonly [number, number]>;
  readonly partitions: number;
  readonly durationSeconds: number | undefined;
  readonly transactionsPerClient: number | undefined;
  /** Open loop: transactions per second over all clients (pgbench -R). */
  readonly ratePerSecond: number | undefined;
  readonly latencyLimitMillis: number | undefined;
  readonly callTimeoutMillis: number;
  readonly connectTimeoutMillis: number;
  /** Epoch ms at which second 0 starts; shared by every thread. */
  readonly startEpochMillis: number;
  readonly totalClients: number;
  /** Each client calls every partition once, unrecorded, before its first measured call. */
  readonly prime: boolean;
}

/** What the thread that owns an engine can tell it while it runs. */
export interface EngineControl {
  stopped: boolean;
  /** Installed by the engine: new open-loop rates per group (undefined: closed loop), at once. */
  setRates?: (rates: ReadonlyArray<number | undefined>) => void;
  /** Installed by the engine: measure the event loop's health from now on. */
  resetHealth?: () => void;
}

export interface EngineHealth {
  /** Event-loop delay, ms. */
  eventLoopDelayP99Millis: number;
  eventLoopDelayMaxMillis: number;
  /** Share of time the loop was busy, 0..1. */
  eventLoopUtilization: number;
}
