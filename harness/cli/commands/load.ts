import { writeFile } from 'node:fs/promises';
import { type Endpoint, parseDsn } from '../../config/dsn.ts';
import { ConfigError, ShardmoveError } from '../../errors.ts';
import { aggregateLogLines, mergeInterval, progressLine, scriptReport } from '../../load/pgbench-format.ts';
import { startLoad } from '../../load/run-load.ts';
import type { SecondSample } from '../../load/samples.ts';
import { loadScriptFiles } from '../../load/script-files.ts';
import { parseMix } from '../../load/scripts.ts';
import { readState, stateEndpoints } from '../../state/state-file.ts';
import type { Command } from '../command.ts';
import { stopGracefullyOnSignal } from '../signals.ts';

function positive(value: string | boolean | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(n) || n <= 0)
    throw new ConfigError(`${flag} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

function whole(value: string | boolean | undefined, flag: string): number | undefined {
  const n = positive(value, flag);
  if (n !== undefined && !Number.isInteger(n))
    throw new ConfigError(`${flag} must be a whole number, got ${n}`);
  return n;
}

/** PL/Proxy routes by hash & (n-1): a partition count is a power of two, as the topology's is. */
function partitionCount(value: string | boolean | undefined): number {
  const n = whole(value, '--partitions') ?? 32;
  if (n < 4 || n > 1024 || (n & (n - 1)) !== 0)
    throw new ConfigError(`--partitions must be a power of two from 4 to 1024, got ${n}`);
  return n;
}

function atMost(n: number | undefined, max: number, flag: string): number | undefined {
  if (n !== undefined && n > max) throw new ConfigError(`${flag} must be at most ${max}, got ${n}`);
  return n;
}

async function resolveTarget(
  values: Record<string, string | boolean | undefined>,
): Promise<{ target: Endpoint; partitions: number }> {
  if (typeof values.target === 'string') {
    return {
      target: parseDsn(values.target, '--target'),
      partitions: partitionCount(values.partitions),
    };
  }
  const stateDir = typeof values['state-dir'] === 'string' ? values['state-dir'] : '.shardmove';
  const state = await readState(stateDir);
  if (!state) {
    throw new ShardmoveError(`no --target and no kept topology in ${stateDir}`, {
      hint: 'start one with `shardmove up --keep`, or pass --target postgres://user@host:port/db',
    });
  }
  const nodes = await stateEndpoints(state);
  return {
    target: { ...nodes.proxy.endpoint, database: state.proxyDatabase },
    partitions: state.topology.partitions,
  };
}

export const loadCommand: Command = {
  name: 'load',
  summary: "pgbench's workload through the proxy, surviving errors, with a write ledger",
  usage: `shardmove load [-b MIX] [-c N] [-T S | -t N] [-P S] [-R TPS [-L MS]] [--target DSN]

Runs the seed's proxy functions like pgbench (-M prepared, one connection per client, a
random id in [1, 32000000]), but no error stops a client: read-only rejections,
lost connections (reconnected with backoff) and timeouts are counted per partition.

  -b, --script MIX         insert_log (default), or weighted: insert_log@3,query_pk@1
                           (insert_log query_pk query_insert update_pk query_update_insert query_smalltbl)
  -f, --file FILE[@W]      a pgbench script file, weight W (default 1); repeat for several, as
                           pgbench -f: set (random, random_gaussian, random_exponential, abs,
                           arithmetic), sleep, :var; comment directives
                           -- shardmove: key=VAR [writes]  attribute calls to VAR's partition
  -c, --clients N          clients, one connection each (default: 30)
  -T, --time S             run for S seconds (default: 30)
  -t, --transactions N     or N transactions per client
  -P, --progress S         progress every S seconds, in pgbench's format
  -R, --rate TPS           open loop: Poisson arrivals at TPS in all, latency from the schedule
  -L, --latency-limit MS   with -R: skip transactions already later than MS
  -j, --threads N          generator threads (default: one per 64 clients, at most one per core)
  --aggregate-interval S   write pgbench's aggregate log to --log-file
  --log-file FILE          (default: shardmove_load.log)
  --target DSN             a proxy URI; default: the kept topology's proxy
  --partitions N           the target's partition count (default: 32, or the kept topology's)
  --json                   print the result summary as JSON`,
  options: {
    script: { type: 'string', short: 'b' },
    file: { type: 'string', short: 'f', multiple: true },
    clients: { type: 'string', short: 'c' },
    time: { type: 'string', short: 'T' },
    transactions: { type: 'string', short: 't' },
    progress: { type: 'string', short: 'P' },
    rate: { type: 'string', short: 'R' },
    'latency-limit': { type: 'string', short: 'L' },
    threads: { type: 'string', short: 'j' },
    'aggregate-interval': { type: 'string' },
    'log-file': { type: 'string' },
    target: { type: 'string' },
    partitions: { type: 'string' },
    'state-dir': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ values, reporter, out }) {
    // As pgbench: -f files alone run only those; -b adds built-in scripts beside them.
    const files = (values.file as unknown as string[] | undefined) ?? [];
    const scripts = [
      ...(typeof values.script === 'string' || files.length === 0
        ? parseMix(typeof values.script === 'string' ? values.script : 'insert_log')
        : []),
      ...(await loadScriptFiles(files)),
    ];
    // Each client is a proxy backend holding a connection per partition: bounded as the config's load.clients is.
    const clients = atMost(whole(values.clients, '--clients'), 1000, '--clients') ?? 30;
    const transactions = whole(values.transactions, '--transactions');
    const duration = whole(values.time, '--time') ?? (transactions === undefined ? 30 : undefined);
    const progress = whole(values.progress, '--progress');
    const rate = positive(values.rate, '--rate');
    const latencyLimit = positive(values['latency-limit'], '--latency-limit');
    const aggregate = whole(values['aggregate-interval'], '--aggregate-interval');
    if (latencyLimit !== undefined && rate === undefined)
      throw new ConfigError('--latency-limit needs --rate');
    const { target, partitions } = await resolveTarget(values);
    const threads = atMost(whole(values.threads, '--threads'), 64, '--threads');

    const run = startLoad({
      target,
      partitions,
      groups: [{ name: 'main', clients, scripts }],
      durationSeconds: duration,
      transactionsPerClient: transactions,
      ratePerSecond: rate,
      latencyLimitMillis: latencyLimit,
      threads: threads ?? 'auto',
    });
    if (progress !== undefined) {
      let buffer: SecondSample[] = [];
      run.onSecond((sample) => {
        buffer.push(sample);
        if (buffer.length >= progress) {
          const line = progressLine(mergeInterval(buffer, partitions), progress, {
            rate: rate !== undefined,
            latencyLimit: latencyLimit !== undefined,
          });
          process.stderr.write(
            `${line.replace(/progress: [\d.]+ s/, `progress: ${(sample.second + 1).toFixed(1)} s`)}\n`,
          );
          buffer = [];
        }
      });
    }
    // Ctrl-C ends the load early; the summary and the aggregate log are still written.
    const interrupt = stopGracefullyOnSignal(() => void run.stop());
    const result = await run.done.finally(interrupt.release);

    if (aggregate !== undefined) {
      const file = typeof values['log-file'] === 'string' ? values['log-file'] : 'shardmove_load.log';
      await writeFile(
        file,
        `${aggregateLogLines(result, aggregate, partitions, rate !== undefined, latencyLimit !== undefined).join('\n')}\n`,
      );
      reporter.sink({ type: 'info', message: `aggregate log: ${file}` });
    }
    const seconds = (result.endEpochMillis - result.startEpochMillis) / 1000;
    const failed = Object.values(result.totals.failed).reduce((a, b) => a + b, 0);
    const all = result.totals.ok + failed + result.totals.indeterminate;
    const summary = {
      scripts: scripts.map((s) => `${s.name}@${s.weight}`).join(','),
      clients,
      threads: result.generator.threads,
      durationSeconds: Number(seconds.toFixed(1)),
      transactions: result.totals.ok,
      failed: { ...result.totals.failed, indeterminate: result.totals.indeterminate },
      reconnects: result.totals.reconnects,
      skipped: result.totals.skipped,
      tps: Number(result.tps.toFixed(1)),
      latency: result.latency.overall,
      generator: result.generator,
    };
    if (values.json === true) {
      out(JSON.stringify(summary));
    } else {
      out(`transaction type: ${summary.scripts}`);
      out(`number of clients: ${clients}`);
      out(`number of threads: ${result.generator.threads}`);
      out(`duration: ${seconds.toFixed(1)} s`);
      out(`number of transactions actually processed: ${result.totals.ok}`);
      out(
        `number of failed transactions: ${failed + result.totals.indeterminate} (${all ? (((failed + result.totals.indeterminate) / all) * 100).toFixed(3) : '0.000'}%)`,
      );
      out(
        `  read_only ${result.totals.failed.read_only}, connection ${result.totals.failed.connection}, serialization ${result.totals.failed.serialization}, other ${result.totals.failed.other}, indeterminate ${result.totals.indeterminate}`,
      );
      out(
        `reconnects: ${result.totals.reconnects}${rate !== undefined ? `, skipped: ${result.totals.skipped}` : ''}`,
      );
      const l = result.latency.overall;
      out(`latency average = ${l.meanMillis.toFixed(3)} ms, stddev = ${l.stddevMillis.toFixed(3)} ms`);
      out(
        `latency p50 = ${l.p50Millis.toFixed(3)} ms, p90 = ${l.p90Millis.toFixed(3)} ms, p99 = ${l.p99Millis.toFixed(3)} ms, p99.9 = ${l.p999Millis.toFixed(3)} ms, max = ${l.maxMillis.toFixed(3)} ms`,
      );
      out(`tps = ${result.tps.toFixed(6)} (including reconnections)`);
      for (const line of scriptReport(result)) out(line);
    }
    if (result.generator.limited) {
      reporter.sink({
        type: 'warning',
        message: `the generator itself may have limited throughput (event loop ${Math.round(result.generator.eventLoopUtilization * 100)}% busy, delay p99 ${result.generator.eventLoopDelayP99Millis.toFixed(1)} ms): add --threads`,
      });
    }
    return interrupt.exitCode() ?? 0;
  },
};
