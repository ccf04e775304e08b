import type { ShardmoveConfig } from '../config/config-types.ts';
import { shardDatabase } from '../config/topology-layout.ts';
import { errorMessage } from '../errors.ts';
import { type EventSink, step } from '../events.ts';
import { type FaultedMigration, migrateUnderFaults } from '../faults/migrate-under-faults.ts';
import type { WriteLedger } from '../load/ledger.ts';
import { type LoadResult, startLoad } from '../load/run-load.ts';
import { migrationContext, newMigrationId } from '../migrate/migration-context.ts';
import { markedPhase } from '../migrate/phase-result.ts';
import { finishedCleanly, migrationNotStarted } from '../migrate/run-migration.ts';
import { type LinkCost, linkCostWords, measureLinkCosts } from '../provision/link-costs.ts';
import { writeJournal } from '../state/migration-journal.ts';
import { keepTopology } from '../topology/keep-topology.ts';
import { type StartedTopology, startTopology } from '../topology/start-topology.ts';
import { epochNow } from '../util/epoch-clock.ts';
import type { RouteWatch } from '../verify/stale-route.ts';
import { conclusive, type Validity } from '../verify/verdict.ts';
import type { Calibration } from './calibration.ts';
import {
  type ConnectionCost,
  measureConnectionCost,
  type StormEstimate,
  stormEstimate,
} from './connection-cost.ts';
import { sampleHostCpu } from './host-cpu.ts';
import { inconclusiveResult, judgedResult } from './judge-rehearsal.ts';
import { rehearsalLoad } from './load-plan.ts';
import { measureBaseline, probeCapacity, type SettleEvidence, settle, warmUp } from './load-stages.ts';
import { type MicroBenchmarkResult, microBenchmarks } from './micro-benchmarks.ts';
import type { RehearsalResult, RehearsalStages } from './rehearsal-result.ts';
import { type StartedRouteWatch, watchRoutes } from './route-watch.ts';
import { SecondFeed } from './second-feed.ts';
import { reconnectedAfterSeconds, type StartedStormWatch, watchProxyConnections } from './storm-watch.ts';
import { type BaselineEvidence, baselineValidity, type WarmupEvidence, warmupValidity } from './validity.ts';

/** Side measurements before the load: when one fails, the rehearsal goes on without it. */
async function sideMeasurements(
  topology: StartedTopology,
  config: ShardmoveConfig,
  events: EventSink,
  clients: number,
): Promise<{
  micro: MicroBenchmarkResult[];
  cost: ConnectionCost | undefined;
  links: LinkCost[] | undefined;
  storm: StormEstimate | undefined;
}> {
  const warn = (what: string) => (error: unknown) => {
    events({ type: 'warning', message: `${what} not measured: ${errorMessage(error)}` });
    return undefined;
  };
  const micro =
    config.rehearsal.microBenchmarkMillis > 0
      ? ((await step(events, 'per-call cost', () =>
          microBenchmarks(topology, config, config.rehearsal.microBenchmarkMillis),
        ).catch(warn('per-call cost'))) ?? [])
      : [];
  const partition = config.topology.movePartition;
  const cost = await step(
    events,
    'connection cost',
    () =>
      measureConnectionCost(
        topology.nodes.old.endpoint,
        shardDatabase(partition),
        `select * from digoal.query_pk(${partition})`,
        10,
        config.connectTimeoutMillis,
      ),
    'a new connection to a shard and its first call, 10 times',
  ).catch(warn('connection cost'));
  const storm = cost ? stormEstimate(cost, clients, config.topology.partitions) : undefined;
  if (cost && storm) {
    events({
      type: 'info',
      message: `a new connection costs ${cost.medianMillis.toFixed(1)} ms here; one reconnection storm (${storm.proxyBackends} proxy backends x ${storm.partitions} partitions over ${storm.cores} cores) ~${storm.expectedSeconds.toFixed(1)} s`,
    });
  }
  const links = await step(
    events,
    'link costs',
    () => measureLinkCosts(topology.handle, topology.nodes),
    'pgbench from each link’s sending host: round trip and new connection',
  ).catch(warn('link costs'));
  if (links)
    events({
      type: 'info',
      message: `links (round trip / new connection): ${linkCostWords(links)}`,
    });
  return { micro, cost, storm, links };
}

/**
 * A whole rehearsal on an already started topology: warm the load up to a steady state,
 * measure capacity, run at the calibrated rate for a baseline, and only if the run can
 * judge what it claims, migrate under load, settle until throughput is back, check, and
 * drop the old database only if every check holds. A run that cannot judge stops before
 * the migration and changes nothing: inconclusive, not failed.
 */
export async function rehearse(
  topology: StartedTopology,
  config: ShardmoveConfig,
  events: EventSink,
  options: {
    readonly earlierWrites?: WriteLedger;
    /** The move's id (new's copy carries it), when the caller must name the move afterwards. */
    readonly migrationId?: string;
  } = {},
): Promise<RehearsalResult> {
  const plan = await rehearsalLoad(config);
  const clients = plan.groups.reduce((n, g) => n + g.clients, 0);
  const side = await sideMeasurements(topology, config, events, clients);
  // A call waits out a reconnection storm (its proxy backend's connection queues at the
  // postmaster behind everyone's): giving up before one is over turns a held-up call into
  // a failed one, and on a host where a connection costs 50 ms a storm outlasts 10 s. The
  // freeze barrier gives up on a proxy transaction no sooner than the load does, and the
  // migration's own connections, which queue behind the same storm, wait as long: the hosts
  // answered before the run, so a slow connection now is a busy postmaster, not a wrong address.
  const callTimeoutMillis = Math.max(10_000, Math.ceil(3 * (side.storm?.expectedSeconds ?? 0) * 1000));
  const migrationConfig = {
    ...config,
    connectTimeoutMillis: Math.max(config.connectTimeoutMillis, callTimeoutMillis),
  };
  const context = {
    ...migrationContext(
      migrationConfig,
      topology.nodes,
      topology.runId,
      events,
      topology.handle,
      options.migrationId,
    ),
    inFlightGraceMillis: callTimeoutMillis,
  };
  const r = config.rehearsal;
  const load = startLoad({
    target: { ...topology.nodes.proxy.endpoint, database: config.topology.proxyDatabase },
    partitions: config.topology.partitions,
    groups: plan.groups,
    durationSeconds: undefined,
    latencyLimitMillis: r.latencyLimitMillis,
    prime: true,
    connectTimeoutMillis: config.connectTimeoutMillis,
    callTimeoutMillis,
  });
  const feed = new SecondFeed(load);
  // Only where the nodes share this host's cores is its CPU part of what the run measures.
  const hostCpu =
    topology.provider === 'external' ? undefined : await sampleHostCpu(load.startEpochMillis, epochNow);
  let validity: Validity = conclusive;
  let warmup: WarmupEvidence | undefined;
  let calibration: Calibration | undefined;
  let baseline: BaselineEvidence | undefined;
  let settled: SettleEvidence | undefined;
  let migration: FaultedMigration | undefined;
  let loadResult: LoadResult;
  let hostBusy: number[] | undefined;
  let routeWatch: StartedRouteWatch | undefined;
  let routes: RouteWatch | undefined;
  let stormWatch: StartedStormWatch | undefined;
  let switchStormSeconds: number | undefined;
  try {
    warmup = await step(
      events,
      'warm-up',
      () => warmUp(feed, clients, config.topology.partitions, r),
      `${clients} clients prime ${config.topology.partitions} partitions each, then until steady (at most ${r.warmupMaxSeconds} s)`,
    );
    validity = warmupValidity(warmup);
    if (validity.conclusive) {
      calibration = await step(
        events,
        'capacity probe',
        () => probeCapacity(feed, r, plan.weights),
        `${r.probeSeconds} s, closed loop`,
      );
      events({ type: 'info', message: `rate: ${calibration.how}` });
      const chosen = calibration;
      baseline = await step(
        events,
        'baseline load',
        () => measureBaseline(feed, load, chosen, r, context.partition),
        `${r.baselineSeconds} s at ${chosen.rateTps.toFixed(0)} tps`,
      );
      validity = baselineValidity(baseline, calibration, {
        minRateRatio: r.baselineMinRateRatio,
        maxMeanLagMillis: r.baselineMaxLagMillis,
        maxSkippedShare: r.baselineMaxSkippedShare,
      });
    }
    if (validity.conclusive && baseline) {
      routeWatch = await watchRoutes(context, context.database);
      stormWatch = await watchProxyConnections(context);
      migration = await migrateUnderFaults(context);
      const switched = markedPhase(migration.phases, 'switch');
      const from = baseline;
      settled = await step(
        events,
        'settle',
        () =>
          settle(
            feed,
            switched?.status === 'ok' ? switched.endedAt : undefined,
            from,
            r,
            config.recovery,
            context.partition,
          ),
        `at least ${r.settleSeconds} s, until throughput is back (at most ${r.settleMaxSeconds} s)`,
      );
    }
  } finally {
    loadResult = await load.stop();
    hostBusy = hostCpu?.stop();
    const switched = migration ? markedPhase(migration.phases, 'switch') : undefined;
    const switchedAt = switched?.status === 'ok' ? switched.endedAt : undefined;
    routes = await routeWatch?.stop(switchedAt);
    const samples = (await stormWatch?.stop()) ?? [];
    // The switch's own storm, measured: on a busy host it competes with the move's work and
    // outlasts the warm-up's, and the checks allow what the host charged.
    switchStormSeconds = switchedAt === undefined ? undefined : reconnectedAfterSeconds(samples, switchedAt);
  }
  const stages: RehearsalStages = {
    connectionCost: side.cost,
    storm: side.storm,
    links: side.links,
    warmup,
    calibration,
    baseline,
    settle: settled,
  };
  const base = {
    runId: topology.runId,
    provider: topology.provider,
    stages,
    load: loadResult,
    microBenchmarks: side.micro,
    topology: {
      facts: topology.facts,
      settings: topology.settings,
      versions: topology.versions,
      seeding: topology.seeding,
    },
  };
  if (!migration || !baseline) {
    events({
      type: 'warning',
      message: `inconclusive, the migration was not started: ${validity.reasons.join('; ')}`,
    });
    return inconclusiveResult(base, validity, migrationNotStarted(context), context, config);
  }
  return judgedResult(
    base,
    migration,
    baseline,
    context,
    config,
    events,
    hostBusy,
    routes,
    switchStormSeconds,
    options.earlierWrites,
  );
}

/**
 * up + seed + `use` + down; with `keep`, the topology is left running for `migrate`,
 * `verify` and `down` (its state written), unless `use` failed to finish.
 */
export async function withScenarioTopology<T>(
  config: ShardmoveConfig,
  events: EventSink,
  options: { readonly keep?: boolean },
  use: (topology: StartedTopology) => Promise<T>,
): Promise<T> {
  const topology = await startTopology({ config, events });
  let kept = false;
  try {
    const result = await use(topology);
    if (options.keep) {
      await keepTopology(topology);
      kept = true;
    }
    return result;
  } finally {
    if (!kept) await topology.stop();
  }
}

/**
 * up + seed + rehearsal + down (see withScenarioTopology for `keep`). A kept topology whose
 * move did not finish cleanly (failed after the switch, a rollback step failed) gets the
 * journal a `migrate` would have left, so that `recover` finishes or rolls it back.
 */
export async function runScenario(
  config: ShardmoveConfig,
  events: EventSink,
  options: { readonly keep?: boolean } = {},
): Promise<RehearsalResult> {
  const migrationId = newMigrationId();
  const startedAt = new Date().toISOString();
  const result = await withScenarioTopology(config, events, options, (topology) =>
    rehearse(topology, config, events, { migrationId }),
  );
  if (options.keep && !finishedCleanly(result.migration)) {
    await writeJournal(config.stateDir, {
      topologyRunId: result.runId,
      migrationId,
      partition: config.topology.movePartition,
      strategy: config.migration.strategy,
      steps: config.migration.steps,
      startedAt,
      pid: process.pid,
    });
    events({
      type: 'warning',
      message: `the kept topology's move of p${config.topology.movePartition} ended ${result.migration.outcome}: \`shardmove recover\` finishes or rolls it back`,
    });
  }
  return result;
}
