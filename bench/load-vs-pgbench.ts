import { availableParallelism } from 'node:os';
import { loadConfig } from '../harness/config/load-config.ts';
import { ignoreEvents } from '../harness/events.ts';
import { startLoad } from '../harness/load/run-load.ts';
import { pgbenchScript, type ScriptName } from '../harness/load/scripts.ts';
import {
  type ConnectionCost,
  measureConnectionCost,
  stormEstimate,
} from '../harness/rehearsal/connection-cost.ts';
import { type StartedTopology, startTopology } from '../harness/topology/start-topology.ts';
import { sleep } from '../harness/util/sleep.ts';
import { ownCpuMillis, sampleCpu } from './cpu-sampler.ts';
import { median, pgbench, quiesce } from './pgbench.ts';

export interface LoadMatrixOptions {
  rounds: number;
  durationSeconds: number;
  /** The steady state: the last this many per-second figures of each run (warm-up excluded). */
  steadySeconds: number;
  clientCounts: readonly number[];
  scripts: readonly ScriptName[];
}

interface Cell {
  script: ScriptName;
  clients: number;
  pgbench: number[];
  ours: number[];
  threads: number;
  /** CPU each tool spent per call, µs: stable where the host's TPS is not. */
  cpuMicros: { pgbench: number[]; ours: number[] };
  /** Runs whose steady window was still climbing: more than 10% above the seconds before it. */
  unsteady: number;
}

function steadyTps(perSecond: readonly number[], n: number, cell: Cell): number {
  const steady = median(perSecond.slice(-n));
  const before = median(perSecond.slice(-2 * n, -n));
  if (steady > before * 1.1) cell.unsteady++;
  return steady;
}

/**
 * How long a run must be for its last seconds to be past the warm-up: every client's proxy
 * backend opens a connection to each partition (clients x partitions of them, CPU-bound on
 * the host's cores), measured here rather than assumed: one host of this kind pays 2.6 ms a
 * connection, another 50. Twice the estimate, as the calls compete with it.
 */
function runSeconds(cost: ConnectionCost, clients: number, options: LoadMatrixOptions): number {
  const warmUp = stormEstimate(cost, clients, 32).expectedSeconds;
  return Math.max(options.durationSeconds, Math.ceil(2 * warmUp) + 2 * options.steadySeconds);
}

/**
 * Goal (issues 4 and 17): `shardmove load` reaches at least 0.95 of pgbench's TPS in every
 * cell of the matrix: each of the six scripts at each client count, against the same proxy,
 * both tools alternated (ABBA over the rounds), every node quiesced before each run, and
 * each compared on its steady state (the median of its last per-second figures). pgbench's
 * -j is what its users pick, one thread per core up to the clients; shardmove load picks its
 * own threads, as its users leave it to. With few clients a closed loop is latency-bound:
 * every microsecond a tool adds to a call shows in its TPS there.
 */
export async function loadVsPgbenchBench(options: LoadMatrixOptions): Promise<void> {
  const maxClients = Math.max(...options.clientCounts);
  const { config } = await loadConfig({
    flags: { seeding: { profile: 'ci' }, load: { clients: maxClients } },
  });
  await using topology = await startTopology({ config, events: ignoreEvents });
  const database = topology.config.topology.proxyDatabase;
  const cost = await measureConnectionCost(
    topology.nodes.old.endpoint,
    'db23',
    'select * from digoal.query_pk(23)',
    10,
    config.connectTimeoutMillis,
  );
  // What this process spends idle (the topology's own handles): not a call's.
  const idle = sampleCpu(ownCpuMillis);
  await sleep(5500);
  const idleRate = idle.rateOver(5, performance.now());
  idle.stop();
  console.log(
    `load vs pgbench: ${options.scripts.length} scripts x ${options.clientCounts.join('/')} clients, runs of ${options.clientCounts.map((c) => `${runSeconds(cost, c, options)} s`).join('/')} (a new connection to a shard costs ${cost.medianMillis.toFixed(1)} ms here: the warm-up opens clients x 32 of them), steady state = median of the last ${options.steadySeconds} s, this process idle ${idleRate.toFixed(1)} ms of CPU a second (subtracted from the generator's), ${options.rounds} round(s) alternated, pgbench -M prepared, provider ${topology.provider}`,
  );
  const cells: Cell[] = [];
  for (const clients of options.clientCounts) {
    for (const script of options.scripts) {
      const cell = await measureCell(
        topology,
        database,
        script,
        clients,
        runSeconds(cost, clients, options),
        options,
        idleRate,
      );
      cells.push(cell);
      const ratio = median(cell.ours) / median(cell.pgbench);
      console.log(
        `  ${script.padEnd(19)} -c ${String(clients).padStart(3)}: pgbench ${fmt(cell.pgbench)} tps, shardmove load ${fmt(cell.ours)} tps (${cell.threads} thread${cell.threads === 1 ? '' : 's'}): ${ratio.toFixed(3)}, rounds ${roundRatios(
          cell,
        )
          .map((r) => r.toFixed(2))
          .join(
            ' ',
          )}: ${pairVerdict(roundRatios(cell), goal)}; CPU per call pgbench ${median(cell.cpuMicros.pgbench).toFixed(0)} µs, shardmove load ${median(cell.cpuMicros.ours).toFixed(0)} µs (${cpuRatio(cell).toFixed(2)})${cell.unsteady ? ` (${cell.unsteady} run(s) still warming up at the end: longer runs needed)` : ''}`,
      );
    }
  }
  const ratios = cells.map((c) => ({
    c,
    r: median(c.ours) / median(c.pgbench),
    v: pairVerdict(roundRatios(c), goal),
  }));
  const lowest = ratios.reduce((low, x) => (x.r < low.r ? x : low));
  const count = (v: PairVerdict) => ratios.filter((x) => x.v === v).length;
  const overall =
    count('below') > 0 ? 'NOT met' : count('cannot tell') > 0 ? 'cannot tell at this noise' : 'met';
  console.log(
    `  lowest ratio ${lowest.r.toFixed(3)} (${lowest.c.script}, ${lowest.c.clients} clients); of ${cells.length} cells ${count('met')} met, ${count('below')} below in every round, ${count('cannot tell')} with rounds on both sides of ${goal} (goal: every cell >= ${goal}: ${overall})`,
  );
  const cpuRatios = cells.map(cpuRatio);
  console.log(
    `  CPU per call, shardmove load / pgbench: median ${median(cpuRatios).toFixed(2)}, highest ${Math.max(...cpuRatios).toFixed(2)} (what the generator adds to each call, whatever the host's TPS did meanwhile)`,
  );
}

const goal = 0.95;

/** Per round, ours / pgbench: each round runs both once, back to back. */
const roundRatios = (cell: Cell): number[] =>
  cell.ours.map((ours, round) => ours / (cell.pgbench[round] ?? Number.NaN));

const cpuRatio = (cell: Cell): number => median(cell.cpuMicros.ours) / median(cell.cpuMicros.pgbench);

type PairVerdict = 'met' | 'below' | 'cannot tell';

/**
 * A cell's verdict from its rounds, each a ratio of two runs made back to back: met when
 * every round holds the goal, below when none does. Rounds on both sides of it say the
 * host's noise is wider than the margin, which more rounds can settle and a median of two
 * cannot (on the slow VM, pgbench alone varied by up to 54% between rounds minutes apart).
 */
function pairVerdict(pairs: readonly number[], threshold: number): PairVerdict {
  if (pairs.every((r) => r >= threshold)) return 'met';
  if (pairs.every((r) => r < threshold)) return 'below';
  return 'cannot tell';
}

const fmt = (values: readonly number[]) =>
  `${median(values).toFixed(0)}${values.length > 1 ? ` [${values.map((v) => v.toFixed(0)).join(', ')}]` : ''}`;

async function measureCell(
  topology: StartedTopology,
  database: string,
  script: ScriptName,
  clients: number,
  seconds: number,
  options: LoadMatrixOptions,
  idleCpuRate: number,
): Promise<Cell> {
  const cell: Cell = {
    script,
    clients,
    pgbench: [],
    ours: [],
    threads: 0,
    cpuMicros: { pgbench: [], ours: [] },
    unsteady: 0,
  };
  const runPgbench = async () => {
    const result = await pgbench(topology.nodes.proxy, database, {
      clients,
      threads: Math.min(clients, availableParallelism()),
      durationSeconds: seconds,
      script: pgbenchScript(script),
    });
    const tps = steadyTps(result.perSecond, options.steadySeconds, cell);
    cell.pgbench.push(tps);
    cell.cpuMicros.pgbench.push((result.cpuRateOver(options.steadySeconds) * 1000) / tps);
  };
  const runOurs = async () => {
    // The whole process: the generator's threads and the main thread that merges their seconds.
    const cpu = sampleCpu(ownCpuMillis);
    const endAt = performance.now() + seconds * 1000;
    const result = await startLoad({
      target: { ...topology.nodes.proxy.endpoint, database },
      partitions: 32,
      groups: [{ name: 'bench', clients, scripts: [{ name: script, weight: 1 }] }],
      durationSeconds: seconds,
    }).done.finally(() => cpu.stop());
    const perSecond = result.seconds.slice(0, seconds).map((s) => s.partitions.reduce((n, p) => n + p.ok, 0));
    const tps = steadyTps(perSecond, options.steadySeconds, cell);
    cell.ours.push(tps);
    cell.cpuMicros.ours.push(((cpu.rateOver(options.steadySeconds, endAt) - idleCpuRate) * 1000) / tps);
    cell.threads = result.generator.threads;
  };
  for (let round = 1; round <= options.rounds; round++) {
    // ABBA: whichever goes first has the emptier login_log and the cooler caches.
    for (const run of round % 2 === 1 ? [runPgbench, runOurs] : [runOurs, runPgbench]) {
      await quiesce([topology]);
      await run();
    }
  }
  return cell;
}
