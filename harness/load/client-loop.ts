import pg from 'pg';
import type { EngineSpec } from './engine-types.ts';
import { classifyError } from './error-class.ts';
import type { Recorder } from './recorder.ts';
import { type LoadGroup, maxId, type ScriptName, scriptCatalog } from './scripts.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
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
  private client: pg.Client | undefined;
  private stopping = false;

  constructor(
    private readonly spec: EngineSpec,
    private readonly group: LoadGroup,
    private readonly recorder: Recorder,
  ) {}

  stop(): void {
    this.stopping = true;
  }

  private async connect(): Promise<pg.Client> {
    let backoff = 50;
    for (;;) {
      const { target } = this.spec;
      const client = new pg.Client({
        host: target.host,
        port: target.port,
        user: target.user,
        database: target.database,
        ...(target.password === undefined ? {} : { password: target.password }),
        connectionTimeoutMillis: this.spec.connectTimeoutMillis,
        query_timeout: this.spec.callTimeoutMillis,
        application_name: 'shardmove-load',
      });
      client.on('error', () => {});
      try {
        await client.connect();
        return client;
      } catch {
        await client.end().catch(() => {});
        if (this.stopping || this.finished()) throw new Error('stopped');
        await sleep(backoff);
        backoff = Math.min(2000, backoff * 2);
      }
    }
  }

  private finished(): boolean {
    return (
      this.spec.durationSeconds !== undefined &&
      now() >= this.spec.startEpochMillis + this.spec.durationSeconds * 1000
    );
  }

  async run(): Promise<void> {
    const pick = picker(this.group);
    const nextId = idSource(this.group, this.spec.partitions);
    const perClientRate =
      this.spec.ratePerSecond === undefined ? undefined : this.spec.ratePerSecond / this.spec.totalClients;
    let scheduled = now();
    let done = 0;
    try {
      this.client = await this.connect();
    } catch {
      return;
    }
    while (!this.stopping && !this.finished()) {
      if (this.spec.transactionsPerClient !== undefined && done >= this.spec.transactionsPerClient) break;
      let start = now();
      if (perClientRate !== undefined) {
        scheduled += (-Math.log(1 - Math.random()) / perClientRate) * 1000;
        if (scheduled > start) {
          await sleep(scheduled - start);
          if (this.stopping || this.finished()) break;
          start = now();
        }
        if (this.spec.latencyLimitMillis !== undefined && start - scheduled > this.spec.latencyLimitMillis) {
          this.recorder.skipped(start);
          done++;
          continue;
        }
        this.recorder.lag(start, (start - scheduled) * 1000);
      }
      const script = pick();
      const id = nextId();
      const latencyFrom = perClientRate === undefined ? start : scheduled;
      try {
        await this.client.query({ name: script, text: scriptCatalog[script].sql, values: [id] });
        this.recorder.ok(script, id, now(), latencyFrom);
      } catch (error) {
        const failure = classifyError(error, true);
        this.recorder.failed(script, id, now(), failure);
        if (failure.connectionLost) {
          await this.client.end().catch(() => {});
          try {
            this.client = await this.connect();
            this.recorder.reconnected(now());
          } catch {
            return;
          }
        }
      }
      done++;
    }
    await this.client?.end().catch(() => {});
  }
}
