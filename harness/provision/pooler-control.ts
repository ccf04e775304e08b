import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { Endpoint } from '../config/dsn.ts';
import { waitUntilReady, withClient } from '../db/connect.ts';
import type { NodesHandle, PoolerAccess } from '../db/node-access.ts';
import { ShardmoveError } from '../errors.ts';
import { sleep } from '../util/sleep.ts';
import { loadTestcontainers } from './docker-engine.ts';
import { writeOwned } from './local-binaries.ts';
import { databasesIni, type PoolerDatabase } from './pgbouncer-config.ts';
import { singleFileTar } from './single-file-tar.ts';

/** Where a local pooler keeps its files, under the run's directory. */
export const localPoolerDir = (baseDir: string) => join(baseDir, 'pooler');
/** Where a container pooler finds its config (copied in at creation, replaced by the switch). */
export const containerPoolerDir = '/etc/shardmove/pooler';
export const poolerContainerName = (runId: string) => `shardmove-${runId}-pooler`;

/** A connection to the pooler's admin console for the length of fn: simple-query commands only (SHOW, RELOAD and the like). */
export function withPoolerAdmin<T>(
  pooler: PoolerAccess,
  connectTimeoutMillis: number,
  fn: (admin: pg.Client) => Promise<T>,
): Promise<T> {
  return withClient(pooler.endpoint, 'pgbouncer', { connectTimeoutMillis }, fn, 'pooler');
}

/** Retries until the pooler's admin console answers; returns pgbouncer's version. */
export async function waitForPooler(
  endpoint: Endpoint,
  limits: { connectTimeoutMillis: number; startupTimeoutSeconds: number },
): Promise<string> {
  const rows = await waitUntilReady(
    endpoint,
    'pgbouncer',
    { ...limits, timeoutMillis: limits.startupTimeoutSeconds * 1000, probe: 'show version' },
    'pooler',
  );
  return String(rows[0]?.version ?? 'unknown').replace(/^PgBouncer\s+/i, '');
}

/** The shard databases the pooler forwards to now, as it has them loaded (not as its file says). */
export async function livePoolerDatabases(admin: pg.Client): Promise<PoolerDatabase[]> {
  const { rows } = await admin.query<{
    name: string;
    host: string | null;
    port: string;
    min_pool_size?: string;
  }>('show databases');
  return rows
    .filter((r) => r.name !== 'pgbouncer' && r.host)
    .map((r) => ({
      name: r.name,
      host: r.host ?? '',
      port: Number(r.port),
      // The global default (0) when the file sets none: written back only where it was set.
      ...(Number(r.min_pool_size) > 0 ? { minPoolSize: Number(r.min_pool_size) } : {}),
    }));
}

/**
 * Replaces the pooler's [databases] file. Local: a rename in the run's directory, so that
 * pgbouncer never reads half a file. Containers: an archive the engine extracts over it;
 * pgbouncer reads it only at the RELOAD that follows.
 */
export async function writePoolerDatabases(
  handle: NodesHandle | undefined,
  databases: readonly PoolerDatabase[],
): Promise<void> {
  const text = databasesIni(databases);
  if (handle?.provider === 'local') {
    const dir = localPoolerDir(handle.baseDir);
    const file = join(dir, 'databases.ini');
    // Owned like the directory: whoever the run's servers run as.
    const { uid, gid } = await stat(dir);
    await writeOwned(`${file}.tmp`, text, process.getuid?.() === 0 ? { uid, gid } : undefined, 0o644);
    await rename(`${file}.tmp`, file);
    return;
  }
  if (handle?.provider === 'containers') {
    // Through the engine's archive call, not an exec: an exec starts a process in the
    // container, which on a small host takes enough CPU to be seen in the load's TPS.
    const tc = await loadTestcontainers();
    const docker = (await tc.getContainerRuntimeClient()).container.dockerode;
    await docker
      .getContainer(poolerContainerName(handle.runId))
      .putArchive(singleFileTar('databases.ini', text, 0o644), { path: containerPoolerDir });
    return;
  }
  throw new ShardmoveError('this topology has no pooler shardmove can reconfigure', {
    hint: 'only the local and containers providers start a pooler',
  });
}

/**
 * Points one shard database of the pooler at another node without dropping a client.
 * RELOAD sends every call that starts from then on to the new address and marks the
 * database's server connections to close as soon as their call ends (pgbouncer's own
 * switchover); the drain then waits until every connection opened before the RELOAD is
 * gone, so that no call is still running on the old node when this returns. Inside a held
 * switch the database is paused and has no server: nothing to drain (pooler-hold.ts says
 * in which order a pause is safe).
 */
export async function retargetPoolerDatabase(
  admin: pg.Client,
  handle: NodesHandle | undefined,
  target: PoolerDatabase,
  drainTimeoutMillis: number,
): Promise<{ drainedMillis: number; drained: number; left: number }> {
  const current = await livePoolerDatabases(admin);
  if (!current.some((d) => d.name === target.name)) {
    throw new ShardmoveError(`the pooler has no database ${target.name}`);
  }
  await writePoolerDatabases(
    handle,
    // Its other settings (a min_pool_size the file sets) go with it to the new address.
    current.map((d) => (d.name === target.name ? { ...d, ...target } : d)),
  );
  const before = await serverConnections(admin, target.name);
  await admin.query('reload');
  const started = performance.now();
  // Past the RELOAD the partition is on the new node whatever happens next: a drain that
  // takes too long is reported, not an error (the old node is frozen; a straggler there can
  // only read, or be refused a write).
  let left = before.size;
  // pgbouncer is one thread serving every partition: each SHOW SERVERS (a row per server
  // connection) is time it does not forward calls, so the poll backs off from 5 ms to 50.
  let pollMillis = 5;
  while (left > 0 && performance.now() - started < drainTimeoutMillis) {
    await sleep(pollMillis);
    pollMillis = Math.min(50, pollMillis * 2);
    const now = await serverConnections(admin, target.name);
    left = [...before].filter((id) => now.has(id)).length;
  }
  return { drainedMillis: Math.round(performance.now() - started), drained: before.size - left, left };
}

/**
 * The pooler's server connections of one database. pgbouncer reuses a closed connection's
 * slot (its `ptr`) for the next one, so the identity takes the connect time and local port too.
 */
async function serverConnections(admin: pg.Client, database: string): Promise<Set<string>> {
  const { rows } = await admin.query<{
    database: string;
    ptr: string;
    connect_time: string;
    local_port: string;
  }>('show servers');
  return new Set(
    rows.filter((r) => r.database === database).map((r) => `${r.ptr}/${r.connect_time}/${r.local_port}`),
  );
}

/**
 * Makes the pooler's [databases] file say what the pooler has loaded: a harness killed
 * between writing the file and the RELOAD leaves a file that the next RELOAD would act on.
 */
export async function syncPoolerFile(admin: pg.Client, handle: NodesHandle | undefined): Promise<void> {
  await writePoolerDatabases(handle, await livePoolerDatabases(admin));
}
