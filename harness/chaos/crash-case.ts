import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { NodeRole, ShardmoveConfig } from '../config/config-types.ts';
import { loadConfig } from '../config/load-config.ts';
import { withClient } from '../db/connect.ts';
import type { NodeAccess } from '../db/node-access.ts';
import { databaseStates } from '../db/ownership.ts';
import { errorMessage } from '../errors.ts';
import type { EventSink } from '../events.ts';
import { migrationContext } from '../migrate/migration-context.ts';
import { partitionHome } from '../migrate/partition-target.ts';
import { withPoolerAdmin } from '../provision/pooler-control.ts';
import { databasePaused } from '../provision/pooler-hold.ts';
import type { TopologyState } from '../state/state-file.ts';
import { openKeptTopology } from '../topology/kept-topology.ts';
import { startAckedWriter } from './acked-writer.ts';
import { type CliExit, runShardmove } from './cli-process.ts';
import { type CrashCase, crashCaseLabel } from './crash-matrix.ts';

export interface CrashCaseResult {
  readonly crash: CrashCase;
  readonly passed: boolean;
  /** Where the partition ended, as recover left it. */
  readonly ended: string;
  readonly acknowledgedWrites: number;
  readonly problems: readonly string[];
  readonly seconds: number;
}

const partition = 23;
/** On old in the seed's layout, and not the moved one: the second migrate when p23 ended on new. */
const otherPartition = 22;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function cliProblem(what: string, exit: CliExit): string | undefined {
  if (exit.code === 0) return undefined;
  const said = `${exit.stderr}\n${exit.stdout}`.trim().split('\n').slice(-3).join(' | ');
  return `${what} exited ${exit.code ?? exit.signal}: ${said}`;
}

/**
 * One cell of the crash matrix on a topology of its own (local, ci profile): a writer on
 * p23 through the proxy, `migrate` killed -9 as the phase starts, `recover`, then the
 * invariants, and a second `migrate`. Never throws: what went wrong is in problems.
 */
export async function runCrashCase(crash: CrashCase, events: EventSink): Promise<CrashCaseResult> {
  const started = performance.now();
  const stateDir = await mkdtemp(join(tmpdir(), 'shardmove-chaos-'));
  const problems: string[] = [];
  let ended = 'unknown';
  let acknowledgedWrites = 0;
  const fail = (problem: string | undefined) => {
    if (problem) problems.push(problem);
    return problem !== undefined;
  };
  try {
    const held = crash.switch === 'hold';
    const up = await runShardmove([
      'up',
      '--provider',
      'local',
      '--profile',
      'ci',
      ...(held ? ['--pooler', 'pgbouncer'] : []),
      '--keep',
      '--state-dir',
      stateDir,
    ]);
    if (fail(cliProblem('up', up))) return result();
    const { state, nodes } = await openKeptTopology(stateDir);
    const writer = startAckedWriter(
      nodes.proxy.endpoint,
      state.proxyDatabase,
      partition,
      state.topology.partitions,
    );
    const starts = new RegExp(`\\] ${escapeRegExp(crash.phase)}: started`);
    let killed = false;
    const migrate = await runShardmove(
      [
        'migrate',
        '--strategy',
        crash.strategy,
        ...(held ? ['--switch', 'hold'] : []),
        '--state-dir',
        stateDir,
      ],
      (err, kill) => {
        if (!killed && starts.test(err)) {
          killed = true;
          kill();
        }
      },
    );
    if (!killed) problems.push(`migrate never reached "${crash.phase}" (exit ${migrate.code})`);
    events({ type: 'info', message: `${crashCaseLabel(crash)} / ${crash.phase}: killed -9, recovering` });
    const recover = await runShardmove(['recover', '--state-dir', stateDir]);
    // Asked before the writer stops: a call held in a paused pool would keep it waiting.
    const paused = await partitionPaused(nodes, `db${partition}`);
    const { acknowledged } = await writer.stop();
    acknowledgedWrites = acknowledged.length;
    fail(cliProblem('recover', recover));
    const context = migrationContext(await keptConfig(state), nodes, state.runId, events);
    const home = await partitionHome(context);
    ended = `p${partition} on ${home.home}${home.readOnly ? ', read-only' : ', read-write'}`;
    if (home.home === 'elsewhere' || home.readOnly) problems.push(`${ended}: not read-write on one side`);
    else if (paused) {
      // The writer's calls wait in the pooler for ever: as good as a partition down.
      problems.push(`${ended}, but the pooler still holds db${partition} paused`);
    } else {
      problems.push(...(await lostWrites(nodes[home.home], acknowledged)));
      problems.push(...(await leftovers(nodes, home.home)));
      const again = await runShardmove([
        'migrate',
        '--strategy',
        'copy',
        '--partition',
        String(home.home === 'old' ? partition : otherPartition),
        '--state-dir',
        stateDir,
      ]);
      fail(cliProblem('a second migrate', again));
    }
  } catch (error) {
    problems.push(errorMessage(error));
  } finally {
    const down = await runShardmove(['down', '--state-dir', stateDir]);
    fail(cliProblem('down', down));
    await rm(stateDir, { recursive: true, force: true });
  }
  return result();

  function result(): CrashCaseResult {
    return {
      crash,
      passed: problems.length === 0,
      ended,
      acknowledgedWrites,
      problems,
      seconds: (performance.now() - started) / 1000,
    };
  }
}

async function keptConfig(state: TopologyState): Promise<ShardmoveConfig> {
  const { config } = await loadConfig({ flags: { provider: state.provider } });
  return { ...config, topology: { ...state.topology, movePartition: partition } };
}

const onShard = <T>(node: NodeAccess, database: string, fn: (c: pg.Client) => Promise<T>) =>
  withClient({ ...node.endpoint, database }, database, { connectTimeoutMillis: 10_000 }, fn, node.role);

async function lostWrites(home: NodeAccess, acknowledged: readonly number[]): Promise<string[]> {
  const found = await onShard(home, `db${partition}`, async (c) => {
    const { rows } = await c.query<{ n: number }>(
      'select count(distinct userid)::int n from digoal.login_log where userid = any($1::int[])',
      [acknowledged],
    );
    return rows[0]?.n ?? 0;
  });
  const lost = acknowledged.length - found;
  return lost === 0 ? [] : [`${lost} of ${acknowledged.length} acknowledged writes missing on ${home.role}`];
}

/** What a finished or undone migration must not leave: replication objects, FDW servers, freeze triggers. */
async function leftovers(
  nodes: Readonly<Record<NodeRole, NodeAccess>>,
  home: 'old' | 'new',
): Promise<string[]> {
  const problems: string[] = [];
  const count = async (node: NodeAccess, sql: string) =>
    onShard(node, `db${partition}`, async (c) => (await c.query<{ n: number }>(sql)).rows[0]?.n ?? 0);
  const onOld = await count(
    nodes.old,
    // Freeze triggers count only where p23 lives: old stays frozen after a completed move.
    `select (select count(*) from pg_publication) + (select count(*) from pg_replication_slots)
          + (select count(*) from pg_namespace where nspname = 'shardmove')
          ${home === 'old' ? `+ (select count(*) from pg_namespace where nspname = 'shardmove_freeze')` : ''}`,
  );
  if (onOld > 0)
    problems.push(`old db${partition}: ${onOld} replication objects, marker schemas or freeze triggers left`);
  const copy = await withClient(nodes.new.endpoint, 'postgres', { connectTimeoutMillis: 10_000 }, (c) =>
    databaseStates(c, [`db${partition}`]),
  );
  const exists = copy.get(`db${partition}`)?.exists === true;
  if (home === 'old' && exists) problems.push(`new still holds db${partition} after the rollback`);
  if (exists) {
    const onNew = await count(
      nodes.new,
      `select (select count(*) from pg_subscription) + (select count(*) from pg_foreign_server)
            + (select count(*) from pg_user_mappings) + (select count(*) from pg_namespace where nspname = 'shardmove')`,
    );
    if (onNew > 0)
      problems.push(
        `new db${partition}: ${onNew} subscriptions, FDW servers, user mappings or marker schemas left`,
      );
  }
  return problems;
}

async function partitionPaused(
  nodes: Readonly<Record<NodeRole, NodeAccess>>,
  database: string,
): Promise<boolean> {
  const pooler = nodes.proxy.pooler;
  if (!pooler) return false;
  return withPoolerAdmin(pooler, 10_000, (admin) => databasePaused(admin, database));
}
