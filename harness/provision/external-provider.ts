import type pg from 'pg';
import type { NodeRole, ShardmoveConfig } from '../config/config-types.ts';
import { nodeRoles } from '../config/config-types.ts';
import { type Endpoint, parseDsn } from '../config/dsn.ts';
import { withClient } from '../db/connect.ts';
import type { NodeAccess } from '../db/node-access.ts';
import { dropDatabase, ownedDatabases } from '../db/ownership.ts';
import { ConfigError, errorMessage, ShardmoveError } from '../errors.ts';
import { registerCleanup } from '../lifecycle/cleanup.ts';
import { forgetExternalRun, recordExternalRun } from '../state/external-runs.ts';
import type { PreflightResult, Provider, StartedNodes, StartRequest } from './provider.ts';

function endpoints(config: ShardmoveConfig): Record<NodeRole, Endpoint> {
  if (!config.external) throw new ConfigError('external provider: no connection URIs configured');
  const external = config.external;
  return Object.fromEntries(nodeRoles.map((r) => [r, parseDsn(external[r], `external.${r}`)])) as Record<
    NodeRole,
    Endpoint
  >;
}

interface NodeFacts {
  version: number;
  extensions: Set<string>;
  walLevel: string;
  superuser: boolean;
  /** Which server answered, whatever the URI called it: see sameServer. */
  identity: ServerIdentity;
}

export interface ServerIdentity {
  /** pg_control_system(), when the role may read it; a standby shares its primary's. */
  readonly systemIdentifier: string | undefined;
  /** data_directory, when the role may read it. */
  readonly dataDirectory: string | undefined;
  /** Readable by anyone: no two running servers share a start to the microsecond and a port. */
  readonly startedAt: string;
  readonly port: string;
}

/**
 * Two URIs lead to one server (127.0.0.1 and localhost, a host name and its address, a port
 * forwarded): decided by what the server says of itself, never by the URI.
 */
export function sameServer(a: ServerIdentity, b: ServerIdentity): boolean {
  if (a.startedAt !== b.startedAt || a.port !== b.port) return false;
  const known = <T>(x: T | undefined, y: T | undefined) => x === undefined || y === undefined || x === y;
  return known(a.systemIdentifier, b.systemIdentifier) && known(a.dataDirectory, b.dataDirectory);
}

/** Every drop shardmove makes is \`DROP DATABASE ... WITH (FORCE)\`, which PostgreSQL has since 13. */
export const oldestSupportedVersion = 130000;

export function versionProblem(role: NodeRole, versionNum: number): string | undefined {
  if (versionNum >= oldestSupportedVersion) return undefined;
  return `${role}: PostgreSQL ${Math.floor(versionNum / 10000)} (${versionNum}) is older than 13: shardmove drops databases WITH (FORCE), which needs 13 or later`;
}

async function nodeFacts(endpoint: Endpoint, role: NodeRole, config: ShardmoveConfig): Promise<NodeFacts> {
  return withClient(
    endpoint,
    endpoint.database,
    { connectTimeoutMillis: config.connectTimeoutMillis },
    async (c) => {
      const { rows } = await c.query<{
        v: string;
        wal: string;
        su: boolean;
        exts: string[];
        started: string;
        port: string;
      }>(
        `select current_setting('server_version_num') v, current_setting('wal_level') wal,
              (select rolsuper from pg_roles where rolname = current_user) su,
              array(select name::text from pg_available_extensions) exts,
              pg_postmaster_start_time()::text started, current_setting('port') port`,
      );
      const row = rows[0];
      if (!row) throw new ShardmoveError(`${role}: no answer to the version query`);
      // Readable only with privileges a managed role may lack: absent, not an error.
      const optional = async (sql: string): Promise<string | undefined> => {
        const result = await c.query<{ x: string | null }>(sql).catch(() => undefined);
        return result?.rows[0]?.x ?? undefined;
      };
      const identity: ServerIdentity = {
        systemIdentifier: await optional('select system_identifier::text x from pg_control_system()'),
        dataDirectory: await optional(`select current_setting('data_directory', true) x`),
        startedAt: row.started,
        port: row.port,
      };
      return {
        version: Number(row.v),
        extensions: new Set(row.exts),
        walLevel: row.wal,
        superuser: row.su,
        identity,
      };
    },
    role,
  );
}

/**
 * Checks that the three hosts look like what shardmove expects before touching anything:
 * reachable with these credentials, three distinct servers, PostgreSQL 13 or later, PL/Proxy on the proxy,
 * postgres_fdw on the backends. Problems are collected, so one run names all of them.
 */
async function inspect(config: ShardmoveConfig): Promise<{ problems: string[]; findings: string[] }> {
  const problems: string[] = [];
  const findings: string[] = [];
  const eps = endpoints(config);
  const seen: Array<[NodeRole, ServerIdentity]> = [];
  for (const role of nodeRoles) {
    let facts: NodeFacts;
    try {
      facts = await nodeFacts(eps[role], role, config);
    } catch (error) {
      problems.push(errorMessage(error));
      continue;
    }
    findings.push(`${role}: PostgreSQL ${Math.floor(facts.version / 10000)}, wal_level=${facts.walLevel}`);
    const tooOld = versionProblem(role, facts.version);
    if (tooOld) problems.push(tooOld);
    const twin = seen.find(([, identity]) => sameServer(identity, facts.identity));
    if (twin) {
      problems.push(
        `${twin[0]} and ${role} are one server (${twin[1].dataDirectory ?? `port ${facts.identity.port}`}, up since ${facts.identity.startedAt}): shardmove needs separate servers, or a move would create, freeze and drop shard databases on the server it moves them from`,
      );
    }
    seen.push([role, facts.identity]);
    if (role === 'proxy' && !facts.extensions.has('plproxy')) {
      problems.push('proxy: the plproxy extension is not available (install postgresql-15-plproxy there)');
    }
    if (role !== 'proxy' && !facts.extensions.has('postgres_fdw')) {
      problems.push(`${role}: the postgres_fdw extension is not available`);
    }
    if (role !== 'proxy' && facts.walLevel !== 'logical') {
      findings.push(`${role}: wal_level is ${facts.walLevel}; the logical strategy needs wal_level=logical`);
    }
    if (!facts.superuser)
      findings.push(
        role === 'proxy'
          ? 'proxy: connected role is not a superuser (PL/Proxy is an untrusted language: only a superuser creates its functions)'
          : `${role}: connected role is not a superuser (copy, seed and matview need CREATEDB and postgres_fdw granted; logical needs CREATE SUBSCRIPTION, a superuser's before PostgreSQL 16: \`shardmove preflight --strategy S\` answers for each)`,
      );
  }
  return { problems, findings };
}

async function preflight(config: ShardmoveConfig): Promise<PreflightResult> {
  if (!config.external) {
    return {
      ok: false,
      findings: ['external: no connection URIs (external.* in --config, or SHARDMOVE_*_URL)'],
    };
  }
  const { problems, findings } = await inspect(config);
  return { ok: problems.length === 0, findings: [...findings, ...problems] };
}

async function start({ config, runId }: StartRequest): Promise<StartedNodes> {
  const { problems } = await inspect(config);
  if (problems.length > 0) {
    throw new ShardmoveError(
      `external targets do not look like a shardmove topology:\n  - ${problems.join('\n  - ')}`,
      {
        hint: 'nothing was changed',
      },
    );
  }
  const eps = endpoints(config);
  const nodes = Object.fromEntries(
    nodeRoles.map((role): [NodeRole, NodeAccess] => [
      role,
      { role, endpoint: eps[role], peerHost: eps[role].host, peerPort: eps[role].port },
    ]),
  ) as Record<NodeRole, NodeAccess>;
  let stopped = false;
  // Stopping external nodes means removing only what this run created on them; Ctrl-C
  // does the same (cli/signals.ts runs the registered cleanups), and after a kill -9
  // `down --all` finds the run in the state directory.
  await recordExternalRun(config.stateDir, runId, eps);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregister();
    await dropRunDatabases(eps, runId, config.connectTimeoutMillis);
    await forgetExternalRun(config.stateDir, runId);
  };
  const unregister = registerCleanup(`databases of ${runId} on the external hosts`, stop);
  return {
    provider: 'external',
    runId,
    nodes,
    handle: { provider: 'external', runId },
    facts: {},
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

export async function dropRunDatabases(
  eps: Readonly<Record<NodeRole, Endpoint>>,
  runId: string,
  connectTimeoutMillis: number,
): Promise<string[]> {
  const dropped: string[] = [];
  const options = { connectTimeoutMillis };
  const owned = new Map<NodeRole, string[]>();
  for (const role of nodeRoles) {
    owned.set(
      role,
      await withClient(eps[role], eps[role].database, options, (c) => ownedDatabases(c, runId), role),
    );
  }
  // A migration interrupted mid-way leaves a subscription (DROP DATABASE refuses a database
  // that has one) and its slot on the other side (which would hold WAL there for good).
  for (const role of nodeRoles) {
    for (const name of owned.get(role) ?? []) {
      await withClient(
        { ...eps[role], database: name },
        name,
        options,
        dropOwnSubscriptions,
        `${role}/${name}`,
      );
    }
  }
  for (const role of nodeRoles) {
    const ep = eps[role];
    await withClient(
      ep,
      ep.database,
      options,
      async (c) => {
        const names = owned.get(role) ?? [];
        await c.query(
          `select pg_drop_replication_slot(slot_name) from pg_replication_slots
            where not active and database = any($1::text[]) and slot_name like 'shardmove\\_move%'`,
          [names],
        );
        for (const name of names) {
          await dropDatabase(c, name);
          dropped.push(`${role}/${name}`);
        }
      },
      role,
    );
  }
  return dropped;
}

/** This database's shardmove subscriptions, detached from their slot first so that dropping them needs no connection to the publisher. */
async function dropOwnSubscriptions(c: pg.Client): Promise<void> {
  const { rows } = await c.query<{ name: string }>(
    `select subname name from pg_subscription
      where subdbid = (select oid from pg_database where datname = current_database()) and subname like 'shardmove\\_move%'`,
  );
  for (const { name } of rows) {
    const ident = c.escapeIdentifier(name);
    await c.query(`alter subscription ${ident} disable`);
    await c.query(`alter subscription ${ident} set (slot_name = none)`);
    await c.query(`drop subscription ${ident}`);
  }
}

export const externalProvider: Provider = { name: 'external', nodeActions: [], preflight, start };
