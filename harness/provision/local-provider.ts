import { execFileSync } from 'node:child_process';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeRole, ShardmoveConfig } from '../config/config-types.ts';
import { nodeRoles } from '../config/config-types.ts';
import { waitUntilReady } from '../db/connect.ts';
import type { NodeAccess } from '../db/node-access.ts';
import { ShardmoveError } from '../errors.ts';
import { registerCleanup } from '../lifecycle/cleanup.ts';
import { runCommand } from '../lifecycle/run-command.ts';
import type { Secret } from '../secret.ts';
import { freePort } from './free-port.ts';
import { localMarkerFile } from './labels.ts';
import {
  type FileOwner,
  findLocalBinaries,
  hasPlproxy,
  type LocalBinaries,
  localNodePaths,
  osUserExists,
  postgresOsUser,
  serverPgpassPath,
  writeOwned,
} from './local-binaries.ts';
import { hasPgbouncer, pgbouncerBinary, startLocalPooler } from './local-pooler.ts';
import { sweepLocalRun } from './local-sweep.ts';
import type { PreflightResult, Provider, StartedNodes, StartRequest } from './provider.ts';
import { newPassword } from './run-id.ts';
import { serverSettings, settingsAsConfLines } from './server-settings.ts';
import { storePassword } from './store-password.ts';

const setupFix = 'bash scripts/setup.sh';
const asRoot = () => process.getuid?.() === 0;

async function preflight(config: ShardmoveConfig): Promise<PreflightResult> {
  const findings: string[] = [];
  let ok = true;
  if (config.topology.pooler === 'pgbouncer') {
    if (hasPgbouncer()) findings.push(`pgbouncer: ${pgbouncerBinary}`);
    else {
      ok = false;
      findings.push('pgbouncer: missing (apt package pgbouncer), needed by topology.pooler');
    }
  }
  const binaries = findLocalBinaries();
  if (!binaries) {
    ok = false;
    findings.push('PostgreSQL 15 server binaries: missing (apt package postgresql-15)');
  } else {
    findings.push(`PostgreSQL 15 server binaries: ${binaries.binDir}`);
    if (hasPlproxy(binaries)) findings.push('PL/Proxy: installed');
    else {
      ok = false;
      findings.push('PL/Proxy: missing (apt package postgresql-15-plproxy)');
    }
  }
  if (asRoot()) {
    if (osUserExists(postgresOsUser))
      findings.push(`running as root: PostgreSQL runs as OS user '${postgresOsUser}'`);
    else {
      ok = false;
      findings.push(`running as root and OS user '${postgresOsUser}' does not exist (initdb refuses root)`);
    }
  }
  return ok ? { ok, findings } : { ok, findings, fix: setupFix };
}

function postgresIds(): { uid: number; gid: number } | undefined {
  if (!asRoot()) return undefined;
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, postgresOsUser], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

interface NodeContext {
  readonly binaries: LocalBinaries;
  readonly baseDir: string;
  readonly pwFile: string;
  readonly serverPgpass: string;
  readonly user: string;
  readonly password: Secret;
  readonly config: ShardmoveConfig;
  readonly runId: string;
  readonly owner: FileOwner;
}

async function startNode(role: NodeRole, ctx: NodeContext): Promise<NodeAccess> {
  const { dataDir, logFile } = localNodePaths(ctx.baseDir, role);
  const bin = (name: string) => join(ctx.binaries.binDir, name);
  const asUser = asRoot() ? postgresOsUser : undefined;
  const as = asUser ? { asUser } : {};
  await runCommand(
    bin('initdb'),
    [
      '-D',
      dataDir,
      '-U',
      ctx.user,
      `--pwfile=${ctx.pwFile}`,
      '--auth-local=trust',
      `--auth-host=${ctx.config.topology.auth}`,
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
      '--no-instructions',
    ],
    { ...as, what: `initdb (${role})` },
  );
  await writeOwned(
    join(dataDir, 'postgresql.conf'),
    `${await readFile(join(dataDir, 'postgresql.conf'), 'utf8')}\ninclude 'shardmove.conf'\n`,
    ctx.owner,
  );
  const settings = serverSettings(role, ctx.config);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const conf = [
      '# Written by shardmove: where this node listens, then the scenario settings.',
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${dataDir}'`,
      `cluster_name = 'shardmove-${ctx.runId}-${role}'`,
      ...settingsAsConfLines(settings),
    ];
    await writeOwned(join(dataDir, 'shardmove.conf'), `${conf.join('\n')}\n`, ctx.owner);
    try {
      await runCommand(
        bin('pg_ctl'),
        ['-D', dataDir, '-l', logFile, '-w', '-t', String(ctx.config.startupTimeoutSeconds), 'start'],
        // The proxy's backends find the data nodes' password here (PL/Proxy connects with libpq).
        { ...as, what: `pg_ctl start (${role})`, env: { ...process.env, PGPASSFILE: ctx.serverPgpass } },
      );
    } catch (error) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (attempt < 5 && /could not bind|Address already in use/.test(log)) continue;
      throw new ShardmoveError(`${role}: PostgreSQL did not start`, {
        hint: `${log.trim().split('\n').slice(-5).join('\n')}\n(log: ${logFile})`,
        cause: error,
      });
    }
    const endpoint = {
      host: '127.0.0.1',
      port,
      user: ctx.user,
      password: ctx.password,
      database: 'postgres',
    };
    await waitUntilReady(
      endpoint,
      'postgres',
      {
        connectTimeoutMillis: ctx.config.connectTimeoutMillis,
        timeoutMillis: ctx.config.startupTimeoutSeconds * 1000,
      },
      role,
    );
    await storePassword(endpoint, ctx.config.connectTimeoutMillis, role);
    return { role, endpoint, peerHost: '127.0.0.1', peerPort: port };
  }
}

async function start({ config, runId, events }: StartRequest): Promise<StartedNodes> {
  const binaries = findLocalBinaries();
  if (!binaries) {
    throw new ShardmoveError('local provider: PostgreSQL 15 server binaries not found', {
      hint: `run: ${setupFix}`,
    });
  }
  const baseDir = join(tmpdir(), `shardmove-${runId}`);
  const sweep = async () => {
    await sweepLocalRun(baseDir);
  };
  const unregister = registerCleanup(`local nodes of ${runId}`, sweep);
  try {
    const owner = postgresIds();
    await mkdir(baseDir, { mode: 0o700 });
    await writeFile(
      join(baseDir, localMarkerFile),
      `${JSON.stringify({ runId, createdAt: new Date().toISOString() })}\n`,
    );
    if (owner) await chown(baseDir, owner.uid, owner.gid);
    const password = newPassword();
    const pwFile = join(baseDir, 'pwfile');
    const serverPgpass = serverPgpassPath(baseDir);
    const user = config.topology.role;
    const ctx: NodeContext = {
      binaries,
      baseDir,
      pwFile,
      serverPgpass,
      user,
      password,
      config,
      runId,
      owner,
    };
    await writeOwned(pwFile, `${password.reveal()}\n`, ctx.owner);
    await writeOwned(serverPgpass, `127.0.0.1:*:*:${user}:${password.reveal()}\n`, ctx.owner);
    events({ type: 'info', message: `local: data directories under ${baseDir}` });
    const started = await Promise.all(nodeRoles.map((role) => startNode(role, ctx)));
    await rm(pwFile, { force: true });
    const nodes = Object.fromEntries(started.map((n) => [n.role, n])) as Record<NodeRole, NodeAccess>;
    if (config.topology.pooler === 'pgbouncer') {
      const pooler = await startLocalPooler({
        config,
        baseDir,
        runId,
        user,
        password,
        owner,
        asUser: asRoot() ? postgresOsUser : undefined,
        backends: nodes,
      });
      nodes.proxy = { ...nodes.proxy, pooler };
      events({ type: 'info', message: `local: pgbouncer ${pooler.version} on 127.0.0.1:${pooler.peerPort}` });
    }
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await sweep();
      unregister();
    };
    return {
      provider: 'local',
      runId,
      nodes,
      handle: { provider: 'local', runId, baseDir },
      facts: { postgresBinaries: binaries.binDir },
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await sweep();
    unregister();
    throw error;
  }
}

export const localProvider: Provider = {
  name: 'local',
  nodeActions: ['kill', 'pause', 'restart', 'terminate-sessions'],
  preflight,
  start,
};
