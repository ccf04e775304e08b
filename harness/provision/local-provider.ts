import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
import { currentNamespace, localMarkerFile } from './labels.ts';
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
import { handOutManagedRole, managedAdminRole } from './managed-role.ts';
import {
  createNodeNetwork,
  kernelHasNetem,
  type NamespacedNode,
  type NodeNetwork,
  shapingWords,
} from './node-network.ts';
import type { PreflightResult, Provider, StartedNodes, StartRequest } from './provider.ts';
import { newPassword } from './run-id.ts';
import { serverSettings, settingsAsConfLines } from './server-settings.ts';
import { storePassword } from './store-password.ts';

const setupFix = 'bash scripts/setup.sh';
const asRoot = () => process.getuid?.() === 0;
const release = () => readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();

async function preflight(config: ShardmoveConfig): Promise<PreflightResult> {
  const findings: string[] = [];
  let ok = true;
  // The setup script installs packages; it cannot give this process root or the kernel netem.
  let installable = false;
  if (config.topology.pooler === 'pgbouncer') {
    if (hasPgbouncer()) findings.push(`pgbouncer: ${pgbouncerBinary}`);
    else {
      ok = false;
      installable = true;
      findings.push('pgbouncer: missing (apt package pgbouncer), needed by topology.pooler');
    }
  }
  const binaries = findLocalBinaries();
  if (!binaries) {
    ok = false;
    installable = true;
    findings.push('PostgreSQL 15 server binaries: missing (apt package postgresql-15)');
  } else {
    findings.push(`PostgreSQL 15 server binaries: ${binaries.binDir}`);
    if (hasPlproxy(binaries)) findings.push('PL/Proxy: installed');
    else {
      ok = false;
      installable = true;
      findings.push('PL/Proxy: missing (apt package postgresql-15-plproxy)');
    }
  }
  const shaped = config.local.delayMillis > 0 || config.local.bandwidthMbit > 0;
  if (shaped && config.local.network !== 'netns') {
    ok = false;
    findings.push(
      '--delay-millis and --bandwidth-mbit shape the links between namespaces: add --network netns',
    );
  }
  if (config.local.network === 'netns') {
    if (!asRoot()) {
      ok = false;
      findings.push('network netns: needs root (ip netns, veth pairs, a bridge)');
    } else findings.push('network netns: each node in a namespace of its own, on a bridge of this run');
    if (config.local.delayMillis > 0 && (await kernelHasNetem()) === false) {
      ok = false;
      findings.push(
        `network delay ${config.local.delayMillis} ms: this kernel (${release()}) has no netem (CONFIG_NET_SCH_NETEM is not set in /proc/config.gz); run with --delay-millis 0, or on a kernel with netem`,
      );
    }
  }
  if (asRoot()) {
    if (osUserExists(postgresOsUser))
      findings.push(`running as root: PostgreSQL runs as OS user '${postgresOsUser}'`);
    else {
      ok = false;
      installable = true;
      findings.push(`running as root and OS user '${postgresOsUser}' does not exist (initdb refuses root)`);
    }
  }
  return ok || !installable ? { ok, findings } : { ok, findings, fix: setupFix };
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
  /** managed: the password of initdb's superuser on old and new, which nobody keeps. */
  readonly adminPwFile: string | undefined;
  readonly serverPgpass: string;
  readonly user: string;
  readonly password: Secret;
  readonly config: ShardmoveConfig;
  readonly runId: string;
  readonly owner: FileOwner;
  /** netns: the run's bridge and namespaces; each node listens on its own address there. */
  readonly network: NodeNetwork | undefined;
}

async function startNode(role: NodeRole, ctx: NodeContext): Promise<NodeAccess> {
  const { dataDir, logFile } = localNodePaths(ctx.baseDir, role);
  const bin = (name: string) => join(ctx.binaries.binDir, name);
  const asUser = asRoot() ? postgresOsUser : undefined;
  const as = asUser ? { asUser } : {};
  const placed: NamespacedNode | undefined = ctx.network?.nodes[role];
  const adminPwFile = role === 'proxy' ? undefined : ctx.adminPwFile;
  await runCommand(
    bin('initdb'),
    [
      '-D',
      dataDir,
      '-U',
      adminPwFile ? managedAdminRole : ctx.user,
      `--pwfile=${adminPwFile ?? ctx.pwFile}`,
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
  if (ctx.network) {
    // initdb lets host connections in from loopback only: the harness (the bridge's gateway)
    // and the other nodes reach this one over the run's subnet.
    const hba = join(dataDir, 'pg_hba.conf');
    await writeOwned(
      hba,
      `${await readFile(hba, 'utf8')}\nhost all all ${ctx.network.subnet} ${ctx.config.topology.auth}\n`,
      ctx.owner,
    );
  }
  const settings = serverSettings(role, ctx.config);
  const host = placed?.address ?? '127.0.0.1';
  for (let attempt = 1; ; attempt++) {
    // A namespace has its own ports: the standard one is free there.
    const port = placed ? 5432 : await freePort();
    const conf = [
      '# Written by shardmove: where this node listens, then the scenario settings.',
      `listen_addresses = '${host}'`,
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
        {
          ...as,
          ...(placed ? { netns: placed.namespace } : {}),
          what: `pg_ctl start (${role})`,
          env: { ...process.env, PGPASSFILE: ctx.serverPgpass },
        },
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
      host,
      port,
      user: ctx.user,
      password: ctx.password,
      database: 'postgres',
    };
    const timeouts = {
      connectTimeoutMillis: ctx.config.connectTimeoutMillis,
      timeoutMillis: ctx.config.startupTimeoutSeconds * 1000,
    };
    if (adminPwFile) {
      // The admin comes in over the node's socket (trust), as a provider's console would.
      const admin = {
        host: dataDir,
        port,
        user: managedAdminRole,
        password: undefined,
        database: 'postgres',
      };
      await waitUntilReady(admin, 'postgres', timeouts, role);
      await handOutManagedRole(admin, ctx.user, ctx.password, ctx.config.connectTimeoutMillis, role);
    }
    await waitUntilReady(endpoint, 'postgres', timeouts, role);
    // A handed-out role got its password under the node's own password_encryption already.
    if (!adminPwFile) await storePassword(endpoint, ctx.config.connectTimeoutMillis, role);
    return { role, endpoint, peerHost: host, peerPort: port };
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
      `${JSON.stringify({ runId, createdAt: new Date().toISOString(), namespace: currentNamespace() })}\n`,
    );
    if (owner) await chown(baseDir, owner.uid, owner.gid);
    const password = newPassword();
    const pwFile = join(baseDir, 'pwfile');
    const adminPwFile = config.local.privileges === 'managed' ? join(baseDir, 'admin-pwfile') : undefined;
    const serverPgpass = serverPgpassPath(baseDir);
    const user = config.topology.role;
    const network =
      config.local.network === 'netns' ? await createNodeNetwork(baseDir, runId, config.local) : undefined;
    if (network)
      events({
        type: 'info',
        message: `local: nodes in network namespaces on ${network.bridge} (${Object.entries(network.nodes)
          .map(([role, n]) => `${role} ${n.address}`)
          .join(', ')})${shapingWords(network)}`,
      });
    const ctx: NodeContext = {
      binaries,
      baseDir,
      pwFile,
      adminPwFile,
      serverPgpass,
      user,
      password,
      config,
      runId,
      owner,
      network,
    };
    await writeOwned(pwFile, `${password.reveal()}\n`, ctx.owner);
    if (adminPwFile) await writeOwned(adminPwFile, `${newPassword().reveal()}\n`, ctx.owner);
    // Every node's address: loopback, or each namespace's own on the run's subnet.
    await writeOwned(serverPgpass, `*:*:*:${user}:${password.reveal()}\n`, ctx.owner);
    events({ type: 'info', message: `local: data directories under ${baseDir}` });
    const started = await Promise.all(nodeRoles.map((role) => startNode(role, ctx)));
    await rm(pwFile, { force: true });
    if (adminPwFile) await rm(adminPwFile, { force: true });
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
        proxyHost: network?.nodes.proxy,
      });
      nodes.proxy = { ...nodes.proxy, pooler };
      events({
        type: 'info',
        message: `local: pgbouncer ${pooler.version} on ${pooler.peerHost}:${pooler.peerPort}${network ? " (the proxy's namespace)" : ''}`,
      });
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
      facts: {
        postgresBinaries: binaries.binDir,
        privileges:
          config.local.privileges === 'managed'
            ? `proxy: superuser ${user}; old and new: ${user} as a managed service hands it out (no superuser; CREATEDB, REPLICATION, pg_signal_backend, pg_read_all_stats, postgres_fdw in template1)`
            : `superuser ${user} on every node`,
        network: network
          ? `network namespaces on bridge ${network.bridge} (${network.subnet})${shapingWords(network)}`
          : 'loopback',
      },
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
