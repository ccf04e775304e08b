import type { NodeRole, ShardmoveConfig } from '../config/config-types.ts';
import { nodeRoles } from '../config/config-types.ts';
import { type Endpoint, parseDsn } from '../config/dsn.ts';
import { withClient } from '../db/connect.ts';
import { ConfigError, ShardmoveError } from '../errors.ts';
import { dropDatabase, ownedDatabases } from '../schema/ownership.ts';
import type { NodeAccess, PreflightResult, Provider, StartedNodes, StartRequest } from './provider.ts';

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
}

async function nodeFacts(endpoint: Endpoint, role: NodeRole, config: ShardmoveConfig): Promise<NodeFacts> {
  return withClient(
    endpoint,
    endpoint.database,
    { connectTimeoutMillis: config.connectTimeoutMillis },
    async (c) => {
      const { rows } = await c.query<{ v: string; wal: string; su: boolean; exts: string[] }>(
        `select current_setting('server_version_num') v, current_setting('wal_level') wal,
              (select rolsuper from pg_roles where rolname = current_user) su,
              array(select name::text from pg_available_extensions) exts`,
      );
      const row = rows[0];
      if (!row) throw new ShardmoveError(`${role}: no answer to the version query`);
      return { version: Number(row.v), extensions: new Set(row.exts), walLevel: row.wal, superuser: row.su };
    },
    role,
  );
}

/**
 * Checks that the three hosts look like what shardmove expects before touching anything:
 * reachable with these credentials, PostgreSQL 11 or later, PL/Proxy on the proxy,
 * postgres_fdw on the backends. Problems are collected, so one run names all of them.
 */
async function inspect(config: ShardmoveConfig): Promise<{ problems: string[]; findings: string[] }> {
  const problems: string[] = [];
  const findings: string[] = [];
  const eps = endpoints(config);
  for (const role of nodeRoles) {
    let facts: NodeFacts;
    try {
      facts = await nodeFacts(eps[role], role, config);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      continue;
    }
    findings.push(`${role}: PostgreSQL ${Math.floor(facts.version / 10000)}, wal_level=${facts.walLevel}`);
    if (facts.version < 110000) problems.push(`${role}: PostgreSQL ${facts.version} is older than 11`);
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
      findings.push(`${role}: connected role is not a superuser (the matview strategy needs one)`);
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
  // Stopping external nodes means removing only the databases this run created on them.
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await dropRunDatabases(eps, runId, config.connectTimeoutMillis);
  };
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
  for (const role of nodeRoles) {
    const ep = eps[role];
    await withClient(
      ep,
      ep.database,
      { connectTimeoutMillis },
      async (c) => {
        for (const name of await ownedDatabases(c, runId)) {
          await dropDatabase(c, name);
          dropped.push(`${role}/${name}`);
        }
      },
      role,
    );
  }
  return dropped;
}

export const externalProvider: Provider = { name: 'external', preflight, start };
