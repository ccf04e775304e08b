import type pg from 'pg';
import type { NodesHandle } from '../db/node-access.ts';
import { ShardmoveError } from '../errors.ts';
import { withinDeadline } from '../util/deadline.ts';
import { pollUntil } from '../util/poll.ts';
import { livePoolerDatabases, writePoolerDatabases } from './pooler-control.ts';

/**
 * Holding one shard database's calls in pgbouncer 1.18 (PAUSE db ... RESUME db) without
 * the 15-second refusal. What its source (src/janitor.c, src/objects.c) says:
 * - a paused database's pool closes every server it has, logins included (`per_loop_pause`
 *   closes the new_server_list too);
 * - closing a server still logging in counts as a failed login (`last_login_failed`): the
 *   pool then opens nothing for server_login_retry (15 s) and `check_fast_fail` disconnects
 *   the clients that come meanwhile;
 * - a pool launches a login only when it has fewer servers than pool_size;
 * - the maintenance loop opens servers for min_pool_size even while the database is paused
 *   (it checks only a pause of the whole pooler), and the pause closes each mid-login.
 * So the pool is filled first (min_pool_size = pool_size, waited for until full with no
 * login in flight, then min_pool_size taken back), and only then paused: a full pool has no
 * login to lose and launches none. The retarget happens while paused (the pool has no
 * server then, so the host change closes none), and RESUME opens the pool's servers on new.
 */

/** pgbouncer's admin console takes a bare word: no quoting to hide a name in. */
function adminName(database: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(database))
    throw new ShardmoveError(`cannot name ${JSON.stringify(database)} to pgbouncer's console`);
  return database;
}

interface PoolRow {
  database: string;
  cl_active: string;
  cl_waiting: string;
  sv_active: string;
  sv_idle: string;
  sv_used: string;
  sv_tested: string;
  sv_login: string;
}

export interface PoolFill {
  readonly poolSize: number;
  readonly servers: number;
  readonly filledMillis: number;
}

/** The database's pool_size and whether pgbouncer has it paused, as loaded. */
async function databaseRow(
  admin: pg.Client,
  database: string,
): Promise<{ poolSize: number; paused: boolean }> {
  const { rows } = await admin.query<{ name: string; pool_size: string; paused: string }>('show databases');
  const row = rows.find((r) => r.name === database);
  if (!row) throw new ShardmoveError(`the pooler has no database ${database}`);
  return { poolSize: Number(row.pool_size), paused: Number(row.paused) === 1 };
}

interface PoolState {
  readonly servers: number;
  readonly logins: number;
  /** Clients logged in: with none, min_pool_size opens nothing (janitor.c, check_pool_size). */
  readonly clients: number;
}

async function poolOf(admin: pg.Client, database: string): Promise<PoolState> {
  const { rows } = await admin.query<PoolRow>('show pools');
  let servers = 0;
  let logins = 0;
  let clients = 0;
  for (const r of rows.filter((r) => r.database === database)) {
    servers += Number(r.sv_active) + Number(r.sv_idle) + Number(r.sv_used) + Number(r.sv_tested);
    logins += Number(r.sv_login);
    clients += Number(r.cl_active) + Number(r.cl_waiting);
  }
  return { servers, logins, clients };
}

/**
 * Fills the database's pool (min_pool_size = pool_size, by RELOAD: a setting that is not
 * the address changes no server), waits until it is full with no login in flight, and
 * takes min_pool_size back, whether it filled or not. A pool no client is logged in to
 * (a kept topology with no load) counts as filled once no login is in flight.
 */
export async function fillPool(
  admin: pg.Client,
  handle: NodesHandle | undefined,
  database: string,
  timeoutMillis: number,
): Promise<PoolFill> {
  const started = performance.now();
  const { poolSize } = await databaseRow(admin, database);
  const current = await livePoolerDatabases(admin);
  let filled: { value: PoolState; done: boolean };
  try {
    await writePoolerDatabases(
      handle,
      current.map((d) => (d.name === database ? { ...d, minPoolSize: poolSize } : d)),
    );
    await admin.query('reload');
    filled = await pollUntil(
      () => poolOf(admin, database),
      // A pool nobody is logged in to cannot fill, and has no login for a pause to lose.
      (p) => p.logins === 0 && (p.servers >= poolSize || p.clients === 0),
      started + timeoutMillis,
      50,
    );
  } finally {
    // Back to the file as it was: while paused, pgbouncer's maintenance would keep opening
    // servers to satisfy min_pool_size (it checks only a pause of the whole pooler), and the
    // pause would close each mid-login, a failed login. A full pool launches nothing anyway.
    await writePoolerDatabases(handle, current);
    await admin.query('reload');
  }
  const { value, done } = filled;
  if (!done) {
    throw new Error(
      `the pooler's pool for ${database} did not fill in ${timeoutMillis} ms (${value.servers} of ${poolSize} servers, ${value.logins} logging in, ${value.clients} clients): pausing it now could cost a login and 15 s of refusals`,
    );
  }
  return { poolSize, servers: value.servers, filledMillis: Math.round(performance.now() - started) };
}

/**
 * PAUSE db: returns once the calls in flight have ended; calls that come later wait in
 * pgbouncer. A pause not done within the limit fails; the hold's undo (RESUME) takes it back.
 */
export async function pauseDatabase(
  admin: pg.Client,
  database: string,
  limitMillis: number,
): Promise<{ pausedMillis: number; logins: number }> {
  // A login the fill did not see (a server closed since) would be lost to the pause: said,
  // not hidden, since it is what could cost 15 s.
  const { logins } = await poolOf(admin, database);
  const started = performance.now();
  await withinDeadline(
    admin.query(`pause ${adminName(database)}`),
    limitMillis,
    `PAUSE ${database} did not return in ${limitMillis} ms: a call held it`,
  );
  return { pausedMillis: Math.round(performance.now() - started), logins };
}

/** RESUME db, if pgbouncer has it paused; false when it had not. */
export async function resumeDatabase(admin: pg.Client, database: string): Promise<boolean> {
  if (!(await databaseRow(admin, database)).paused) return false;
  await admin.query(`resume ${adminName(database)}`);
  return true;
}

/** Whether the pooler has the database paused now. */
export async function databasePaused(admin: pg.Client, database: string): Promise<boolean> {
  return (await databaseRow(admin, database)).paused;
}
