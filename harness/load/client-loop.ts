import { errorMessage } from '../errors.ts';
import { epochNow } from '../util/epoch-clock.ts';
import { sleep } from '../util/sleep.ts';
import type { EngineSpec } from './engine-types.ts';
import { classifyError } from './error-class.ts';
import { evaluate, type Value, valueText } from './pgbench-expr.ts';
import type { ScriptProgram } from './pgbench-script.ts';
import type { Recorder } from './recorder.ts';
import { type LoadGroup, maxId, type ScriptName, type WeightedScript } from './scripts.ts';
import { CallError, programStatement, WireSession } from './wire-session.ts';

class StoppedWhileConnecting extends Error {}

/** 57P03: the server is starting up or shutting down; worth waiting for. */
function isStartingUp(error: unknown): boolean {
  return (error as { code?: string }).code === '57P03';
}
const now = epochNow;

/** A read routed by its id, so one call per partition opens the proxy's connection to each. */
const primeScript: ScriptName = 'query_pk';

const fallback: WeightedScript = { name: 'insert_log', weight: 1 };

function picker(group: LoadGroup): () => WeightedScript {
  const total = group.scripts.reduce((n, s) => n + s.weight, 0);
  return () => {
    let r = Math.random() * total;
    for (const s of group.scripts) {
      r -= s.weight;
      if (r < 0) return s;
    }
    return group.scripts[group.scripts.length - 1] ?? fallback;
  };
}

/** A call's end: its error (undefined: ok) and the id it went to (undefined: a user script without a key). */
interface CallEnd {
  readonly error: unknown;
  readonly id: number | undefined;
}

function idSource(group: LoadGroup, partitions: number): () => number {
  if (group.partition === undefined) return () => 1 + Math.floor(Math.random() * maxId);
  const partition = group.partition;
  const slots = Math.floor((maxId - partition) / partitions);
  // Ids of one partition: partition + k*partitions, never 0 (pgbench's range starts at 1).
  return () => partition + partitions * (1 + Math.floor(Math.random() * slots));
}

/** How long a run without a duration keeps trying to reconnect before it fails. */
export const reconnectGiveUpMillis = 60_000;

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
  /** Open loop: this client's calls per second; undefined: closed loop. The engine may change it. */
  private perClientRate: number | undefined;
  /** Set when the rate changed: the open loop's schedule restarts from now, with no debt. */
  private rateChanged = false;

  /** The group's user scripts, in the order their statements are prepared. */
  private readonly programs: ScriptProgram[];
  /** pgbench keeps a client's variables from one transaction to the next. */
  private readonly variables: Map<string, Value>;

  constructor(
    private readonly spec: EngineSpec,
    private readonly group: LoadGroup,
    private readonly recorder: Recorder,
    clientId = 0,
  ) {
    this.programs = group.scripts.flatMap((s) => (s.program ? [s.program] : []));
    this.variables = new Map([
      ['client_id', { v: clientId, int: true }],
      ['scale', { v: 1, int: true }],
      ['random_seed', { v: 0, int: true }],
    ]);
    this.endAt =
      spec.durationSeconds === undefined
        ? Number.POSITIVE_INFINITY
        : spec.startEpochMillis + spec.durationSeconds * 1000;
    this.perClientRate =
      group.ratePerSecond !== undefined
        ? group.ratePerSecond / group.clients
        : spec.ratePerSecond === undefined
          ? undefined
          : spec.ratePerSecond / spec.totalClients;
  }

  stop(): void {
    this.stopping = true;
  }

  /** The group's rate in calls per second over its clients; undefined switches to closed loop. */
  setGroupRate(groupRate: number | undefined): void {
    this.perClientRate = groupRate === undefined ? undefined : groupRate / this.group.clients;
    this.rateChanged = true;
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
    const scripts = this.group.scripts.flatMap((s) => (s.program ? [] : [s.name as ScriptName]));
    if (this.spec.prime) scripts.push(primeScript);
    // A run bounded by a duration ends on its own; one bounded by -t alone would wait for
    // a proxy that never comes back for ever.
    const giveUpAt =
      this.endAt === Number.POSITIVE_INFINITY
        ? performance.now() + reconnectGiveUpMillis
        : Number.POSITIVE_INFINITY;
    for (;;) {
      try {
        return await WireSession.open(
          this.spec.target,
          scripts,
          this.spec.connectTimeoutMillis,
          this.programs,
        );
      } catch (error) {
        // Only a connection that cannot be had right now is retried; a wrong password, a
        // missing database or a bug ends the run with its message instead of spinning.
        if (!classifyError(error, false).connectionLost && !isStartingUp(error)) throw error;
        if (this.stopping || this.finished()) throw new StoppedWhileConnecting();
        if (performance.now() > giveUpAt) {
          throw new Error(
            `no connection to the proxy for ${reconnectGiveUpMillis / 1000} s (last: ${errorMessage(error)}); giving up, as a run without -T has no end of its own`,
          );
        }
        await sleep(backoff);
        backoff = Math.min(2000, backoff * 2);
      }
    }
  }

  /**
   * One unrecorded read per partition, so that this client's proxy backend holds a
   * connection to every partition before anything is measured, as it does after a long
   * run. Without it the first seconds measure PL/Proxy's connection set-up, which on a host
   * where connections are expensive lasts longer than any fixed baseline.
   */
  private async prime(): Promise<boolean> {
    for (let p = 0; p < this.spec.partitions && !this.stopping; p++) {
      const session = this.session;
      if (!session) return false;
      try {
        await session.call(primeScript, p === 0 ? this.spec.partitions : p);
      } catch (error) {
        if (classifyError(error, true).connectionLost && !(await this.reconnect())) return false;
      }
    }
    this.recorder.primed(now());
    return true;
  }

  private done = 0;

  private limitReached(): boolean {
    return this.spec.transactionsPerClient !== undefined && this.done >= this.spec.transactionsPerClient;
  }

  /**
   * Closed loop without an await per call: each reply sends the next call. Resolves 'over'
   * when the run is over, 'lost' when the connection was lost (the failure recorded), 'rate'
   * when the engine gave this client a rate.
   */
  private closedLoop(
    session: WireSession,
    pick: () => WeightedScript,
    nextId: () => number,
  ): Promise<'over' | 'lost' | 'rate'> {
    return new Promise((resolve, reject) => {
      let start = now();
      const next = (): void => {
        if (this.stopping || start >= this.endAt || this.limitReached()) {
          resolve('over');
          return;
        }
        if (this.perClientRate !== undefined) {
          resolve('rate');
          return;
        }
        const script = pick();
        const ended = ({ error, id }: CallEnd): void => {
          try {
            const t = now();
            this.done++;
            if (error === undefined) this.recorder.ok(script.name, id, t, start);
            else {
              const failure = classifyError(error, true);
              this.recorder.failed(script.name, id, t, failure, start);
              if (failure.connectionLost) {
                resolve('lost');
                return;
              }
            }
            start = t;
            next();
          } catch (bug) {
            reject(bug);
          }
        };
        if (script.program) void this.transact(session, script.program).then(ended);
        else {
          const id = nextId();
          session.send(script.name as ScriptName, id, (error) => ended({ error, id }));
        }
      };
      next();
    });
  }

  /**
   * One transaction of a user script: its \set and \sleep here, its statements on the
   * session, prepared. Never rejects: the error and the id its key routed to come back.
   */
  private async transact(session: WireSession, program: ScriptProgram): Promise<CallEnd> {
    const vars = this.variables;
    const keyId = () => {
      const v = program.key === undefined ? undefined : vars.get(program.key);
      return v && Number.isInteger(v.v) ? v.v : undefined;
    };
    const index = this.programs.indexOf(program);
    let statement = 0;
    try {
      for (const c of program.commands) {
        if (c.kind === 'set') vars.set(c.variable, evaluate(c.expr, vars));
        else if (c.kind === 'sleep') await sleep((evaluate(c.amount, vars).v * c.unitMicros) / 1000);
        else {
          const params = c.parameters.map((p) => valueText(vars.get(p) as Value));
          await session.callStatement(programStatement(index, statement++), params);
        }
      }
      return { error: undefined, id: keyId() };
    } catch (error) {
      // An error inside BEGIN .. COMMIT leaves the transaction open: end it before the next.
      if (session.transactionStatus !== 'I') await session.rollback();
      return { error, id: keyId() };
    }
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
    try {
      this.session = await this.connect();
    } catch (error) {
      if (error instanceof StoppedWhileConnecting) return;
      throw error;
    }
    if (this.spec.prime && !(await this.prime())) return;
    // One clock read per call: the end of a call is the start of the next (closed loop).
    let t = now();
    let scheduled = t;
    this.rateChanged = false;
    while (!this.stopping && t < this.endAt) {
      if (this.limitReached()) break;
      const rate = this.perClientRate;
      if (rate === undefined) {
        const how = await this.closedLoop(this.session, pick, nextId);
        if (how === 'over') break;
        if (how === 'lost' && !(await this.reconnect())) return;
        t = now();
        continue;
      }
      if (this.rateChanged) {
        this.rateChanged = false;
        scheduled = t;
      }
      let start = t;
      scheduled += (-Math.log(1 - Math.random()) / rate) * 1000;
      if (scheduled > start) {
        // Timers round down to whole milliseconds: round up, so no call starts before its slot.
        await sleep(Math.ceil(scheduled - start));
        if (this.stopping || this.finished()) break;
        start = now();
      }
      const script = pick();
      const builtinId = script.program ? undefined : nextId();
      if (this.spec.latencyLimitMillis !== undefined && start - scheduled > this.spec.latencyLimitMillis) {
        // Already later than the limit: skipped and counted, never queued (pgbench -R -L).
        this.recorder.skipped(script.name, builtinId, scheduled);
        t = start;
        this.done++;
        continue;
      }
      this.recorder.lag(start, Math.max(0, start - scheduled) * 1000);
      const { error, id } = script.program
        ? await this.transact(this.session, script.program)
        : await this.session.call(script.name as ScriptName, builtinId as number).then(
            () => ({ error: undefined, id: builtinId }),
            (e: unknown) => ({ error: e, id: builtinId }),
          );
      t = now();
      if (error === undefined) {
        // Latency from the scheduled start, as pgbench -R measures it.
        this.recorder.ok(script.name, id, t, Math.min(start, scheduled));
      } else {
        const failure = classifyError(error, true);
        this.recorder.failed(script.name, id, t, failure, start);
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
