export const providerNames = ['auto', 'containers', 'local', 'external'] as const;
export type ProviderChoice = (typeof providerNames)[number];
export type ProviderName = Exclude<ProviderChoice, 'auto'>;

export type BackendName = 'old' | 'new';
export type NodeRole = 'proxy' | BackendName;
export const nodeRoles: readonly NodeRole[] = ['proxy', 'old', 'new'];

export type ServerSettings = Record<string, string | number | boolean>;

export interface TopologyConfig {
  /** Number of shard databases and PL/Proxy partitions; a power of two. */
  partitions: number;
  /** Partitions hosted by the `old` cluster; the rest live on `new`. Default: the seed's split. */
  oldPartitions: number[] | undefined;
  /** The partition the migration moves from `old` to `new`. */
  movePartition: number;
  clusterName: string;
  proxyDatabase: string;
  /** The role every connection uses, as the seed's `digoal`. */
  role: string;
  connectionLifetimeSeconds: number;
  /**
   * Password authentication between nodes (and from the harness), for the nodes shardmove
   * starts. md5, as on the seed's PostgreSQL 9.4: every cluster change makes each proxy
   * backend reconnect to every partition, and SCRAM's key derivation on both ends of ~1000
   * reconnects is a CPU storm the seed never had.
   */
  auth: 'md5' | 'scram-sha-256';
  /**
   * none: the seed's topology, PL/Proxy connects to the data nodes. pgbouncer: PL/Proxy
   * connects to a pgbouncer on the proxy's host (transaction pooling), which holds the
   * connections to the data nodes; the switch then retargets the pooler instead of the
   * cluster, so no proxy backend has to reconnect anything.
   */
  pooler: PoolerKind;
  /**
   * CPU each new backend of every node burns before it serves (ms; 0: none), to rehearse a
   * host where a connection is expensive (a slow VM's fork, TLS over a real network) on one
   * where it is not. PL/Proxy opens clients x partitions connections, so this decides how
   * long warm-ups and reconnection storms take. Needs PL/Perl on the nodes.
   */
  connectionCpuMillis: number;
}

export const poolerKinds = ['none', 'pgbouncer'] as const;
export type PoolerKind = (typeof poolerKinds)[number];

export interface ExternalTargets {
  proxy: string;
  old: string;
  new: string;
}

export const localNetworks = ['loopback', 'netns'] as const;
export type LocalNetwork = (typeof localNetworks)[number];
export const localPrivileges = ['superuser', 'managed'] as const;
export type LocalPrivileges = (typeof localPrivileges)[number];

export const containerNetworks = ['pod', 'bridge'] as const;
export type ContainerNetwork = (typeof containerNetworks)[number];
export const containerCpuSchedulings = ['host', 'container'] as const;
export type ContainerCpuScheduling = (typeof containerCpuSchedulings)[number];

export const seedProfiles = ['full', 'default', 'ci', 'tiny', 'none'] as const;
export const seedDataModes = ['faker', 'seed'] as const;
export type SeedData = (typeof seedDataModes)[number];

export interface SeedSizes {
  userinfoRows?: number;
  tblSmallRows?: number;
}

export interface SeedConfig {
  /** full: 32 x (1M+1M+500k); default: the moved shard full, others 100k/100k/50k; ci: 100k/100k/50k and 10k/10k/5k; tiny: 20k/20k/10k and 1k/1k/500 (every phase still runs: the harness's own tests, a smoke run). */
  profile: (typeof seedProfiles)[number];
  /** seed: the article's rows (info, last_login NULL); faker: realistic, deterministic values. */
  data: SeedData;
  fakerSeed: number;
  /** Per-size overrides of the profile, for the moved shard and for the others. */
  moved: SeedSizes | undefined;
  others: SeedSizes | undefined;
  parallelShards: number;
  /** Reseed a topology that already holds rows (otherwise seeding says so and stops). */
  truncate: boolean;
}

export const migrationStrategies = ['seed', 'matview', 'copy', 'logical'] as const;
export type MigrationStrategy = (typeof migrationStrategies)[number];
export const logPolicies = ['migrate', 'leave'] as const;
export type LogPolicy = (typeof logPolicies)[number];

export const faultKinds = [
  'kill-new',
  'pause-old',
  'pause-new',
  'restart-old',
  'terminate-proxy-backends',
  'cut-replication',
] as const;
export type FaultKind = (typeof faultKinds)[number];

/** A fault injected while a phase runs: what, in which phase, how long after it started. */
export interface FaultConfig {
  kind: FaultKind;
  phase: string;
  /** Default 0: as the phase starts. */
  afterMillis?: number;
  /** pause-old, pause-new: how long the node stays paused (default 3000). */
  durationMillis?: number;
}

export const expectedOutcomes = ['completed', 'rolled-back', 'failed-after-switch'] as const;
export type ExpectedOutcome = (typeof expectedOutcomes)[number];

export const freezeMethods = ['connstring', 'table-triggers'] as const;
export type FreezeMethod = (typeof freezeMethods)[number];
export const switchModes = ['reject', 'hold'] as const;
export type SwitchMode = (typeof switchModes)[number];

/**
 * The built-in phases a procedure's steps may name (`{"phase": "freeze"}`), each one the
 * harness's own code. Two phases that report under one name (logical's and the FDW's
 * `prepare new`) have ids of their own here.
 */
export const builtinStepIds = [
  'prepare-new',
  'pre-copy',
  'freeze',
  'freeze-barrier',
  'refresh',
  'fdw-copy',
  'vacuum-analyze',
  'matviews-to-tables',
  'create-tables',
  'stream-copy',
  'primary-keys',
  'parity',
  'switch',
  'drop-fdw',
  'prepare-new-for-logical',
  'publish',
  'subscribe',
  'initial-sync',
  'open-connections',
  'warm-catch-up',
  'catch-up',
  'switch-with-snapshot',
  'detach',
  'parity-at-switch',
  'fill-pool',
  'hold',
  'held-switch',
] as const;
export type BuiltinStepId = (typeof builtinStepIds)[number];

/** Where a SQL step runs: the proxy's database, the moved shard's database on old or new, or their maintenance database. */
export const stepTargets = ['proxy', 'old-shard', 'new-shard', 'old-postgres', 'new-postgres'] as const;
export type StepTarget = (typeof stepTargets)[number];

/** Which of the procedure's instants a step is: the checks time the freeze window and the write rejections by them. */
export const stepMarks = ['freeze', 'switch'] as const;
export type StepMark = (typeof stepMarks)[number];

/** A built-in phase, by id. `deadline: "hold"`: a catch-up that must finish within the held switch's deadline. */
export interface BuiltinStep {
  readonly phase: BuiltinStepId;
  readonly deadline?: 'hold';
}

/** A SQL file of the case's run on a target; paths are absolute once the case is loaded. */
export interface SqlStep {
  readonly name: string;
  readonly sql: string;
  readonly on: StepTarget;
  /** Run in a rollback when this step ran (even part way); must be safe when there is nothing to undo. */
  readonly undo?: string | undefined;
  readonly marks?: StepMark | undefined;
}

export type ProcedureStep = BuiltinStep | SqlStep;

export const isSqlStep = (step: ProcedureStep): step is SqlStep => 'sql' in step;

export interface MigrationConfig {
  strategy: MigrationStrategy;
  /**
   * The procedure, in order, after the readiness gate. Unset: the built-in case of the
   * strategy (and switch) gives it; a layer that picks another strategy without steps of
   * its own takes that strategy's.
   */
  steps: ProcedureStep[] | undefined;
  /** migrate: copy login_log too (default); leave: the article's policy, old logs discarded. */
  logs: LogPolicy;
  /**
   * connstring: the article's freeze, p<N>'s connstring gets default_transaction_read_only
   * (PL/Proxy then reconnects every partition); table-triggers: statement triggers on old's
   * tables reject writes with the same SQLSTATE, and the proxy is left alone until the switch.
   */
  freeze: FreezeMethod;
  /** How long the freeze barrier waits for in-flight writers before terminating them. */
  barrierTimeoutMillis: number;
  /**
   * reject: writes to the partition are refused (25006) from the freeze to the switch;
   * hold (logical, pooled): the pooler holds them (pgbouncer PAUSE) through the catch-up and
   * the retarget and releases them on new, so no client sees an error, only a stall.
   */
  switch: SwitchMode;
  /** A hold that has not reached the retarget by then gives up: resumes on old and rolls back. */
  holdDeadlineMillis: number;
  /** The held switch's check: no call to the partition stalled longer than this. */
  stallLimitMillis: number;
  /** Fault injection: this phase fails after doing its work (leaving its side effects). */
  injectFaultAfter: string | undefined;
  /** A fault from the fault matrix, injected during a phase; the run then asserts the invariants. */
  fault: FaultConfig | undefined;
}

/**
 * SQL a case adds to the topology, absolute paths once the case is loaded: run in order after
 * the standard schema, with the same placeholders as a step's (`{{shard}}` the database's own).
 */
export interface SchemaAdditions {
  /** On every shard database (tables, indexes, functions), and on new's copy before the move. */
  dataNode: string[];
  /** On the proxy database (PL/Proxy functions, `cluster '{{cluster}}'`, routed by their own key). */
  proxy: string[];
  /** After seeding, on every shard database: fills the user's tables. */
  fill: string[];
}

export interface LoadConfig {
  /** The uniform insert_log writers (the seed's workload). */
  clients: number;
  /**
   * The user's own workload: pgbench script files (`scripts/orders.sql@3`), absolute once a
   * case is loaded. They run as a group of their own beside the built-in scripts.
   */
  scripts: string[];
  /** Clients of the user's scripts. */
  scriptClients: number;
  /** The user's scripts' share of the rate, as rehearsal.writerWeight is the writers'. */
  scriptWeight: number;
  /** false: the user's scripts instead of the built-in writers (the moved partition's readers stay: the reads check's probe). */
  builtinWriters: boolean;
}

export interface RehearsalConfig {
  /**
   * The load's rate in all: calls per second (`1500`), or a share of the topology's capacity
   * measured by a closed-loop probe after the warm-up (`"40%"`), so that the same scenario
   * asks the same of a slow host and a fast one.
   */
  rate: number | string;
  /** How the rate is split: uniform insert_log writers, extra writers and readers of the moved partition. */
  writerWeight: number;
  movedWriterWeight: number;
  readerWeight: number;
  /** Extra writers and readers on the moved partition, so its figures are not 1/32 of the noise. */
  movedWriterClients: number;
  readerClients: number;
  /** Open loop: a call already later than this at its turn is skipped and counted (pgbench -L). */
  latencyLimitMillis: number;
  /** The warm-up (every client primed, then throughput steady) gives up after this long. */
  warmupMaxSeconds: number;
  /** Throughput is steady when each second of a window is within this share of the window's mean, and so is the window before. */
  steadyWindowSeconds: number;
  steadyTolerance: number;
  /** The closed-loop probe that measures capacity. */
  probeSeconds: number;
  /** Load at the chosen rate before the migration: the baseline the recovery check compares with. */
  baselineSeconds: number;
  /** The baseline's limits; a run outside them is inconclusive and stops before the migration. */
  baselineMinRateRatio: number;
  baselineMaxLagMillis: number;
  baselineMaxSkippedShare: number;
  /** Load after the switch: at least this long, then until both groups are back, up to the maximum. */
  settleSeconds: number;
  settleMaxSeconds: number;
  /** tinybench per-call cost (proxy vs the shard directly) before the load starts, per call and target; 0: skip. */
  microBenchmarkMillis: number;
  /**
   * Once the move has passed every check (and old's copy is gone), move the partition back
   * from new to old under a fresh load, with the same checks, the acknowledged writes of
   * both moves reconciled on old at the end: the rollback an operator rehearses first.
   */
  andBack: boolean;
}

export interface RecoveryLimits {
  /** After the switch the moved partition's and the others' TPS are back at this share of their baseline ... */
  ratio: number;
  /**
   * ... within this many seconds, plus the expected length of one reconnection storm on
   * this host (proxy backends x partitions x the measured connection cost / cores), so that
   * the limit asks the same of a host where connections are cheap and one where they are not.
   */
  withinSeconds: number;
  /** TPS is compared over moving windows of this many seconds (one second of a partition is noisy). */
  windowSeconds: number;
}

export const checkNames = [
  'reads',
  'write rejection',
  'parity',
  'no acknowledged write lost',
  'tps recovery',
  'no stale route',
  'fault invariants',
] as const;
export type CheckName = (typeof checkNames)[number];

export interface ShardmoveConfig {
  provider: ProviderChoice;
  /**
   * pod: the three containers share one network namespace (the proxy's), reached by their
   * aliases on distinct ports, so proxy-to-backend traffic stays on loopback as in the
   * local provider. bridge: one address per container, traffic over the Docker bridge.
   */
  containers: {
    network: ContainerNetwork;
    /**
     * host: each container's processes are moved to the host's root CPU cgroup after it
     * starts, so the kernel schedules every backend on its own as it does the local
     * provider's (see provision/host-cpu-scheduling.ts); needs cgroup v1, root and the engine
     * on this host, and falls back to `container` saying why. container: Docker's own cgroup.
     */
    cpuScheduling: ContainerCpuScheduling;
  };
  /**
   * loopback: the local provider's nodes listen on 127.0.0.1, one port each. netns: each
   * node in a network namespace of its own (its own address on a bridge this run creates,
   * port 5432, its own port space), so proxy-to-node traffic crosses a veth pair and a
   * bridge as it would a host's NIC; needs root and iproute2.
   */
  local: {
    network: LocalNetwork;
    /** netns: one-way delay each node adds to what it sends (tc netem; ms; 0: none); a round trip between two nodes pays it twice. */
    delayMillis: number;
    /** netns: the rate each node sends at, at most (tc tbf; Mbit/s; 0: unlimited). */
    bandwidthMbit: number;
    /**
     * superuser: the harness's role is each node's superuser. managed: old and new are handed
     * out as a managed service hands out an instance: the role may log in, create and own
     * databases, replicate (REPLICATION), signal its own and others' sessions and read their
     * state, and use postgres_fdw, which an admin role installed in template1 and granted;
     * the harness never uses that admin role again. The proxy stays the user's own host
     * (PL/Proxy is an untrusted language, which no managed service offers).
     */
    privileges: LocalPrivileges;
  };
  topology: TopologyConfig;
  /** Non-default server settings, per node kind, on top of those the topology needs. */
  server: { proxy: ServerSettings; backend: ServerSettings };
  seeding: SeedConfig;
  /** The user's own schema, on top of the standard one. */
  schema: SchemaAdditions;
  load: LoadConfig;
  migration: MigrationConfig;
  rehearsal: RehearsalConfig;
  /** The TPS recovery check's limits. */
  recovery: RecoveryLimits;
  /** Run-level gates, k6 style: `"freeze_window_s < 15"`; a run fails when one does not hold. */
  thresholds: string[];
  /**
   * Checks (by name) and thresholds (by expression) this scenario expects to fail, with the
   * reason: a known weakness of the procedure. The run passes when every outcome is as
   * declared; a declared failure that passes is reported as the weakness gone, and fails it.
   */
  expectedFailures: Record<string, string>;
  /**
   * Where the migration must end for the run to pass: completed (the default), or
   * rolled-back for a case that rehearses a procedure its own checks must stop (gh-ost's
   * expect_failure); with expectedFailures naming the checks that must fail.
   */
  expectedOutcome: ExpectedOutcome;
  /** compare: a metric regresses only when the candidate's range is beyond the baseline's by more than this share. */
  compare: { tolerance: number };
  external: ExternalTargets | undefined;
  allowDestructive: boolean;
  /** A password may go to an external host over plain TCP (not loopback): flag only. */
  allowPlaintextPassword: boolean;
  /** Where `up --keep` writes the state file and the pgpass file. */
  stateDir: string;
  connectTimeoutMillis: number;
  startupTimeoutSeconds: number;
}
