import { type ExecFileOptions, execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDsn } from '../harness/config/dsn.ts';
import { withClient } from '../harness/db/connect.ts';
import type { NodeAccess } from '../harness/db/node-access.ts';
import { writePgpass } from '../harness/state/pgpass.ts';
import type { StartedTopology } from '../harness/topology/start-topology.ts';
import { pollUntil } from '../harness/util/poll.ts';
import { type CpuSampler, processCpuMillis, sampleCpu } from './cpu-sampler.ts';

/** execFile as a promise that also tells the child's pid as soon as it has one. */
function run(
  file: string,
  args: readonly string[],
  options: ExecFileOptions,
  onSpawn: (pid: number) => void,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { ...options, encoding: 'utf8' }, (error, stdout, stderr) =>
      error ? reject(error) : resolve({ stdout, stderr }),
    );
    if (child.pid !== undefined) onSpawn(child.pid);
  });
}

export interface PgbenchRun {
  clients: number;
  threads: number;
  durationSeconds: number;
  /** A pgbench script; the seed's is `select insert_log(:id)` with a random id. */
  script: string;
}

export const insertLogScript = '\\set id random(1, 32000000)\nselect insert_log(:id);\n';

export interface PgbenchResult {
  /** Median of the per-second TPS over the second half of the run: the steady state. */
  steadyTps: number;
  /** pgbench's own figure for the whole run, warm-up included. */
  overallTps: number;
  perSecond: number[];
  /** pgbench's own CPU (user + system) per wall second over the last `seconds` of its run. */
  cpuRateOver: (seconds: number) => number;
}

/**
 * Runs pgbench -M prepared -P 1 against the proxy. Each new client makes its proxy backend
 * open a connection to every partition it touches (32 SCRAM handshakes), so the first
 * seconds measure connection set-up; the steady state is what compares providers.
 */
export async function pgbench(
  proxy: NodeAccess,
  database: string,
  options: PgbenchRun,
): Promise<PgbenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'shardmove-bench-'));
  try {
    const pgpass = join(dir, 'pgpass');
    const script = join(dir, 'script.sql');
    await writePgpass(pgpass, [proxy.endpoint]);
    await writeFile(script, options.script);
    let cpu: CpuSampler | undefined;
    const endAt = performance.now() + options.durationSeconds * 1000;
    const { stdout, stderr } = await run(
      'pgbench',
      [
        '-n',
        '-M',
        'prepared',
        '-c',
        String(options.clients),
        '-j',
        String(options.threads),
        '-T',
        String(options.durationSeconds),
        '-P',
        '1',
        '-f',
        script,
        formatDsn(proxy.endpoint, database),
      ],
      { env: { ...process.env, PGPASSFILE: pgpass }, maxBuffer: 16 * 1024 * 1024 },
      (pid) => {
        cpu = sampleCpu(() => processCpuMillis(pid));
      },
    ).finally(() => cpu?.stop());
    const match =
      /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/.exec(
        stdout,
      );
    if (!match?.[1]) throw new Error(`pgbench printed no TPS:\n${stdout}`);
    const perSecond = [...stderr.matchAll(/^progress: [\d.]+ s, ([\d.]+) tps/gm)].map((m) => Number(m[1]));
    return {
      steadyTps: median(perSecond.slice(Math.floor(perSecond.length / 2))),
      overallTps: Number(match[1]),
      perSecond,
      cpuRateOver: (seconds) => cpu?.rateOver(seconds, endAt) ?? Number.NaN,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Waits until none of these topologies is still working off an earlier run: a checkpoint
 * on every node, then no autovacuum worker anywhere. Without it, one side's measured run
 * pays for the other side's vacuum of the rows it just inserted.
 */
export async function quiesce(
  topologies: readonly StartedTopology[],
  timeoutMillis = 120_000,
): Promise<void> {
  const nodes = topologies.flatMap((t) => Object.values(t.nodes));
  const deadline = performance.now() + timeoutMillis;
  // A connection may wait for what is left of the whole budget: right after a run that held
  // clients x partitions connections, a new one waited longer than a fixed 10 s on a host
  // where a connection costs 36 ms (after a 30-client cell of the load matrix).
  const connectTimeoutMillis = () => Math.max(1_000, Math.round(deadline - performance.now()));
  for (const node of nodes) {
    await withClient(node.endpoint, 'postgres', { connectTimeoutMillis: connectTimeoutMillis() }, (c) =>
      c.query('checkpoint'),
    );
  }
  const autovacuumWorkers = async () => {
    let busy = 0;
    for (const node of nodes) {
      busy += await withClient(
        node.endpoint,
        'postgres',
        { connectTimeoutMillis: connectTimeoutMillis() },
        async (c) => {
          const { rows } = await c.query<{ n: number }>(
            `select count(*)::int n from pg_stat_activity where backend_type = 'autovacuum worker'`,
          );
          return rows[0]?.n ?? 0;
        },
      );
    }
    return busy;
  };
  await pollUntil(autovacuumWorkers, (busy) => busy === 0, deadline, 500);
}
