import type { EngineSpec } from './engine-types.ts';
import { classifyError } from './error-class.ts';
import type { Recorder } from './recorder.ts';
import { type LoadGroup, maxId, type ScriptName } from './scripts.ts';
import { CallError, WireSession } from './wire-session.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class StoppedWhileConnecting extends Error {}

/** 57P03: the server is starting up or shutting down; worth waiting for. */
function isStartingUp(error: unknown): boolean {
  return (error as { code?: string }).code === '57P03';
}
const now = () => performance.timeOrigin + performance.now();

function picker(group: LoadGroup): () => ScriptName {
  const total = group.scripts.reduce((n, s) => n + s.weight, 0);
  return () => {
    let r = Math.random() * total;
    for (const s of group.scripts) {
      r -= s.weight;
      if (r < 0) return s.name;
    }
    return group.scripts[group.scripts.length - 1]?.name ?? 'insert_log';
  };
}

function idSource(group: LoadGroup, partitions: number): () => number {
  if (group.partition === undefined) return () => 1 + Math.floor(Math.random() * maxId);
  const partition = group.partition;
  const slots = Math.floor((maxId - partition) / partitions);
  // Ids of one partition: partition + k*partitions, never 0 (pgbench's range starts at 1).
  return () => partition + partitions * (1 + Math.floor(Math.random() * slots));
}

/**
 * One client: one connection to the proxy, prepared statements, calls until the run ends.
 * Errors never end it: a lost connection is re-opened with backoff, and every outcome is
 * recorded. Open loop follows a Poisson schedule and measures latency from the scheduled
 * start, as pgbench -R does.
 */
export class ClientLoop {
  private session: WireSession | undefined;
  private stopping = false;
  /** Epoch ms at which the run's duration is up (never, for a run ended by stop()). */
  private readonly endAt: number;

  constructor(
    private readonly spec: EngineSpec,
    private readonly group: LoadGroup,
    private readonly recorder: Recorder,
  ) {
    this.endAt =
      spec.durationSeconds === undefined
        ? Number.POSITIVE_INFINITY
        : spec.startEpochMillis + spec.durationSeconds * 1000;
  }

  stop(): void {
    this.stopping = true;
  }

  /** Called by the engine a few times a second: a call past its timeout loses its connection. */
  checkTimeout(nowMillis: number): void {
    const since = this.session?.inFlightSince ?? 0;
    if (since > 0 && nowMillis - since > this.spec.callTimeoutMillis) {
      this.session?.destroy(
        new CallError(`call timed out after ${this.spec.callTimeoutMillis} ms`, 'ETIMEDOUT'),
      );
    }
  }

  private async connect(): Promise<WireSession> {
    let backoff = 50;
    const scripts = this.group.scripts.map((s) => s.name);
    for (;;) {
      try {
        return await WireSession.open(this.spec.target, scripts, this.spec.connectTimeoutMillis);
      } catch (error) {
        // Only a connection that cannot be had right now is retried; a wrong password, a
        // missing database or a bug ends the run with its message instead of spinning.
        if (!classifyError(error, false).connectionLost && !isStartingUp(error)) throw error;
        if (this.stopping || this.finished()) throw new StoppedWhileConnecting();
        await sleep(backoff);
        backoff = Math.min(2000, backoff * 2);
      }
    }
  }

  private done = 0;

  private limitReached(): boolean {
    return this.spec.transactionsPerClient !== undefined && this.done >= this.spec.transactionsPerClient;
  }

  /**
   * Closed loop without an await per call: each reply sends the next call. Resolves false
   * when the run is over, true when the connection was lost (the failure recorded).
   */
  private closedLoop(session: WireSession, pick: () => ScriptName, nextId: () => number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let start = now();
      const next = (): void => {
        if (this.stopping || start >= this.endAt || this.limitReached()) {
          resolve(false);
          return;
        }
        const script = pick();
        const id = nextId();
        session.send(script, id, (error) => {
          try {
            const t = now();
            this.done++;
            if (error === undefined) this.recorder.ok(script, id, t, start);
            else {
              const failure = classifyError(error, true);
              this.recorder.failed(script, id, t, failure, start);
              if (failure.connectionLost) {
                resolve(true);
                return;
              }
            }
            start = t;
            next();
          } catch (bug) {
            reject(bug);
          }
        });
      };
      next();
    });
  }

  /** A new connection after a lost one; false when the run ended while connecting. */
  private async reconnect(): Promise<boolean> {
    this.session?.destroy();
    try {
      this.session = await this.connect();
      this.recorder.reconnected(now());
      return true;
    } catch (error) {
      if (error instanceof StoppedWhileConnecting) return false;
      throw error;
    }
  }

  private finished(): boolean {
    return now() >= this.endAt;
  }

  async run(): Promise<void> {
    const pick = picker(this.group);
    const nextId = idSource(this.group, this.spec.partitions);
    const perClientRate =
      this.group.ratePerSecond !== undefined
        ? this.group.ratePerSecond / this.group.clients
        : this.spec.ratePerSecond === undefined
          ? undefined
          : this.spec.ratePerSecond / this.spec.totalClients;
    let scheduled = now();
    try {
      this.session = await this.connect();
    } catch (error) {
      if (error instanceof StoppedWhileConnecting) return;
      throw error;
    }
    // One clock read per call: the end of a call is the start of the next (closed loop).
    let t = now();
    while (!this.stopping && t < this.endAt) {
      if (this.limitReached()) break;
      if (perClientRate === undefined) {
        if (!(await this.closedLoop(this.session, pick, nextId))) break;
        if (!(await this.reconnect())) return;
        t = now();
        continue;
      }
      let start = t;
      scheduled += (-Math.log(1 - Math.random()) / perClientRate) * 1000;
      if (scheduled > start) {
        // Timers round down to whole milliseconds: round up, so no call starts before its slot.
        await sleep(Math.ceil(scheduled - start));
        if (this.stopping || this.finished()) break;
        start = now();
      }
      if (this.spec.latencyLimitMillis !== undefined && start - scheduled > this.spec.latencyLimitMillis) {
        this.recorder.skipped(start);
        t = start;
        this.done++;
        continue;
      }
      this.recorder.lag(start, Math.max(0, start - scheduled) * 1000);
      const script = pick();
      const id = nextId();
      try {
        await this.session.call(script, id);
        t = now();
        // Latency from the scheduled start, as pgbench -R measures it.
        this.recorder.ok(script, id, t, Math.min(start, scheduled));
      } catch (error) {
        t = now();
        const failure = classifyError(error, true);
        this.recorder.failed(script, id, t, failure, start);
        if (failure.connectionLost) {
          if (!(await this.reconnect())) return;
          t = now();
        }
      }
      this.done++;
    }
    this.session?.destroy();
  }
}
