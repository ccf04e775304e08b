import { chown, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { Endpoint } from '../config/dsn.ts';
import { connect } from '../db/connect.ts';
import { ShardmoveError } from '../errors.ts';
import { loadTestcontainers } from './docker-engine.ts';
import { databasesIni, type PoolerDatabase } from './pgbouncer-config.ts';
import type { NodesHandle, PoolerAccess } from './provider.ts';

/** Where a local pooler keeps its files, under the run's directory. */
export const localPoolerDir = (baseDir: string) => join(baseDir, 'pooler');
/** Where a container pooler finds its config (copied in at creation, rewritten by exec). */
export const containerPoolerDir = '/etc/shardmove/pooler';
export const poolerContainerName = (runId: string) => `shardmove-${runId}-pooler`;

/** The pooler's admin console: simple-query commands only (SHOW, PAUSE, RELOAD, RESUME). */
export function poolerAdmin(pooler: PoolerAccess, connectTimeoutMillis: number): Promise<pg.Client> {
  return connect(pooler.endpoint, 'pgbouncer', { connectTimeoutMillis }, 'pooler');
}

/** Retries until the pooler's admin console answers; returns pgbouncer's version. */
export async function waitForPooler(
  endpoint: Endpoint,
  limits: { connectTimeoutMillis: number; startupTimeoutSeconds: number },
): Promise<string> {
  const deadline = Date.now() + limits.startupTimeoutSeconds * 1000;
  for (;;) {
    try {
      const admin = await connect(endpoint, 'pgbouncer', limits, 'pooler');
      try {
        const { rows } = await admin.query<{ version: string }>('show version');
        return (rows[0]?.version ?? 'unknown').replace(/^PgBouncer\s+/i, '');
      } finally {
        await admin.end().catch(() => {});
      }
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The shard databases the pooler forwards to now, as it has them loaded (not as its file says). */
export async function livePoolerDatabases(admin: pg.Client): Promise<PoolerDatabase[]> {
  const { rows } = await admin.query<{ name: string; host: string | null; port: string }>('show databases');
  return rows
    .filter((r) => r.name !== 'pgbouncer' && r.host)
    .map((r) => ({ name: r.name, host: r.host ?? '', port: Number(r.port) }));
}

/**
 * Replaces the pooler's [databases] file. Local: a rename in the run's directory, so that
 * pgbouncer never reads half a file. Containers: the same inside the container, by exec.
 */
export async function writePoolerDatabases(
  handle: NodesHandle | undefined,
  databases: readonly PoolerDatabase[],
): Promise<void> {
  const text = databasesIni(databases);
  if (handle?.provider === 'local') {
    const dir = localPoolerDir(handle.baseDir);
    const file = join(dir, 'databases.ini');
    await writeFile(`${file}.tmp`, text, { mode: 0o644 });
    if (process.getuid?.() === 0) {
      const { uid, gid } = await stat(dir);
      await chown(`${file}.tmp`, uid, gid);
    }
    await rename(`${file}.tmp`, file);
    return;
  }
  if (handle?.provider === 'containers') {
    const file = `${containerPoolerDir}/databases.ini`;
    await execInContainer(poolerContainerName(handle.runId), [
      'sh',
      '-c',
      'printf %s "$1" > "$2.tmp" && mv "$2.tmp" "$2"',
      'sh',
      text,
      file,
    ]);
    return;
  }
  throw new ShardmoveError('this topology has no pooler shardmove can reconfigure', {
    hint: 'only the local and containers providers start a pooler',
  });
}

async function execInContainer(name: string, cmd: string[]): Promise<void> {
  const tc = await loadTestcontainers();
  const docker = (await tc.getContainerRuntimeClient()).container.dockerode;
  const exec = await docker.getContainer(name).exec({
    Cmd: cmd,
    User: 'root',
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  const output: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => output.push(chunk));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) {
    throw new ShardmoveError(`${name}: ${cmd[0]} exited with ${ExitCode}`, {
      hint: Buffer.concat(output).toString('utf8').trim(),
    });
  }
}

/**
 * Points one shard database of the pooler at another node without dropping a client:
 * PAUSE waits for the calls in flight to end and holds new ones, RELOAD reads the new
 * address (the old server connections are closed), RESUME lets the held calls go to it.
 */
export async function retargetPoolerDatabase(
  admin: pg.Client,
  handle: NodesHandle | undefined,
  target: PoolerDatabase,
): Promise<{ pausedMillis: number }> {
  const current = await livePoolerDatabases(admin);
  if (!current.some((d) => d.name === target.name)) {
    throw new ShardmoveError(`the pooler has no database ${target.name}`);
  }
  await writePoolerDatabases(
    handle,
    current.map((d) => (d.name === target.name ? target : d)),
  );
  const name = adminName(target.name);
  const started = performance.now();
  await admin.query(`pause ${name}`);
  try {
    await admin.query('reload');
  } finally {
    await admin.query(`resume ${name}`);
  }
  return { pausedMillis: Math.round(performance.now() - started) };
}

/** The admin console takes bare names only; shard databases are dbN. */
function adminName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new ShardmoveError(`not a pooler database name: ${name}`);
  return name;
}

/** Lets a database go that a harness killed between PAUSE and RESUME left paused. */
export async function resumePoolerDatabase(admin: pg.Client, name: string): Promise<boolean> {
  try {
    await admin.query(`resume ${adminName(name)}`);
    return true;
  } catch {
    // "database is not paused": nothing to do.
    return false;
  }
}
