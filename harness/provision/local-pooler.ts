import { existsSync } from 'node:fs';
import { chown, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ShardmoveConfig } from '../config/config-types.ts';
import type { NodeAccess, PoolerAccess } from '../db/node-access.ts';
import { ShardmoveError } from '../errors.ts';
import { runCommand } from '../lifecycle/run-command.ts';
import type { Secret } from '../secret.ts';
import { freePort } from './free-port.ts';
import { type FileOwner, writeOwned } from './local-binaries.ts';
import { initialPoolerDatabases, pgbouncerIni } from './pgbouncer-config.ts';
import { localPoolerDir, waitForPooler, writePoolerDatabases } from './pooler-control.ts';

export const pgbouncerBinary = '/usr/sbin/pgbouncer';

export function hasPgbouncer(): boolean {
  return existsSync(pgbouncerBinary);
}

/**
 * Starts a pgbouncer for a local topology, as the OS user the postmasters run as, in front
 * of every shard database of old and new.
 */
export async function startLocalPooler(options: {
  config: ShardmoveConfig;
  baseDir: string;
  runId: string;
  user: string;
  password: Secret;
  owner: FileOwner;
  asUser: string | undefined;
  backends: Readonly<Record<'old' | 'new', NodeAccess>>;
  /** netns: the proxy's namespace and address; the pooler runs on the proxy's host, there. */
  proxyHost?: { readonly namespace: string; readonly address: string } | undefined;
}): Promise<PoolerAccess> {
  const { config, baseDir, owner } = options;
  if (!hasPgbouncer()) {
    throw new ShardmoveError(`topology.pooler pgbouncer: ${pgbouncerBinary} not found`, {
      hint: 'run: bash scripts/setup.sh (apt package pgbouncer)',
    });
  }
  const dir = localPoolerDir(baseDir);
  await mkdir(dir, { mode: 0o700 });
  if (owner) await chown(dir, owner.uid, owner.gid);
  await writeOwned(join(dir, 'userlist.txt'), `"${options.user}" "${options.password.reveal()}"\n`, owner);
  const handle = { provider: 'local', runId: options.runId, baseDir } as const;
  await writePoolerDatabases(handle, initialPoolerDatabases(config.topology, options.backends));
  const logFile = join(dir, 'pgbouncer.log');
  for (let attempt = 1; ; attempt++) {
    // A namespace has its own ports: pgbouncer's standard one is free there.
    const placed = options.proxyHost;
    const host = placed?.address ?? '127.0.0.1';
    const port = placed ? 6432 : await freePort();
    const ini = pgbouncerIni({
      listenAddr: host,
      listenPort: port,
      adminUser: options.user,
      auth: config.topology.auth,
      files: {
        authFile: join(dir, 'userlist.txt'),
        databasesFile: join(dir, 'databases.ini'),
        pidFile: join(dir, 'pgbouncer.pid'),
        logFile,
      },
    });
    await writeOwned(join(dir, 'pgbouncer.ini'), ini, owner);
    try {
      // ~1000 client connections after a PL/Proxy reload: the soft limit of 1024 is too few.
      await runCommand(
        'sh',
        [
          '-c',
          'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" -d "$1"',
          pgbouncerBinary,
          join(dir, 'pgbouncer.ini'),
        ],
        {
          ...(options.asUser ? { asUser: options.asUser } : {}),
          ...(placed ? { netns: placed.namespace } : {}),
          what: 'pgbouncer',
        },
      );
      const endpoint = {
        host,
        port,
        user: options.user,
        password: options.password,
        database: 'pgbouncer',
      };
      const version = await waitForPooler(endpoint, config);
      return { endpoint, peerHost: host, peerPort: port, version };
    } catch (error) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (attempt < 5 && /Address already in use/.test(log)) continue;
      throw new ShardmoveError('pooler: pgbouncer did not start', {
        hint: `${log.trim().split('\n').slice(-5).join('\n')}\n(log: ${logFile})`,
        cause: error,
      });
    }
  }
}
