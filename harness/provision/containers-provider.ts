import type { ContainerCpuScheduling, NodeRole } from '../config/config-types.ts';
import { nodeRoles } from '../config/config-types.ts';
import { waitUntilReady } from '../db/connect.ts';
import { ShardmoveError } from '../errors.ts';
import { step } from '../events.ts';
import { registerCleanup } from '../lifecycle/cleanup.ts';
import { runCommand } from '../lifecycle/run-command.ts';
import { sweepContainers } from './containers-sweep.ts';
import {
  dockerReachable,
  imageExists,
  imageId,
  loadTestcontainers,
  nodeImageTag,
  projectRoot,
  userlandProxyEnabled,
} from './docker-engine.ts';
import {
  type HostScheduling,
  hostSchedulingAvailability,
  scheduleAsHostProcesses,
} from './host-cpu-scheduling.ts';
import { labelsFor } from './labels.ts';
import {
  databasesIni,
  initialPoolerDatabases,
  pgbouncerIni,
  poolerAlias,
  poolerContainerPort,
} from './pgbouncer-config.ts';
import { containerPoolerDir, poolerContainerName, waitForPooler } from './pooler-control.ts';

type Testcontainers = Awaited<ReturnType<typeof loadTestcontainers>>;

import type { NodeAccess, PoolerAccess } from '../db/node-access.ts';
import { sleep } from '../util/sleep.ts';
import type { PreflightResult, Provider, StartedNodes, StartRequest } from './provider.ts';
import { newPassword } from './run-id.ts';
import { serverSettings, settingsAsConfLines } from './server-settings.ts';
import { storePassword } from './store-password.ts';

const setupFix = 'bash scripts/setup.sh';
const passwordPath = '/run/shardmove/password';
/** The server settings, included by the entrypoint from postgresql.conf (docker/entrypoint.sh). */
const serverConfPath = '/run/shardmove/server.conf';
const podPorts: Readonly<Record<NodeRole, number>> = { proxy: 5432, old: 5433, new: 5434 };

async function preflight(): Promise<PreflightResult> {
  if (!(await dockerReachable())) {
    return { ok: false, findings: ['Docker engine: not reachable'], fix: setupFix };
  }
  const findings = ['Docker engine: reachable'];
  const tag = await nodeImageTag();
  findings.push(
    `node image ${tag}: ${(await imageExists(tag)) ? 'built' : 'not built yet (built on first use)'}`,
  );
  findings.push(`CPU scheduling of containers' processes: ${await hostSchedulingAvailability()}`);
  if ((await userlandProxyEnabled()) === true) {
    findings.push(
      'warning: dockerd runs with the userland proxy; load through published ports will be slower',
    );
  }
  return { ok: true, findings };
}

async function ensureImage(events: StartRequest['events']): Promise<string> {
  const tag = await nodeImageTag();
  if (!(await imageExists(tag))) {
    await step(
      events,
      'build node image',
      () => runCommand('bash', [`${projectRoot}scripts/build-image.sh`], { what: 'building the node image' }),
      tag,
    );
  }
  return tag;
}

async function start({ config, runId, events }: StartRequest): Promise<StartedNodes> {
  if (!(await dockerReachable())) {
    throw new ShardmoveError('containers provider: no Docker engine is reachable', {
      hint: `run: ${setupFix}`,
    });
  }
  const image = await ensureImage(events);
  const tc = await loadTestcontainers();
  // Everything below carries the run's label, so one sweep removes it whatever state it is in.
  const sweep = async () => {
    await sweepContainers({ runId });
  };
  // On an interrupt a create may still be in flight at the engine: sweep, then once more.
  const unregister = registerCleanup(`containers of ${runId}`, async () => {
    await sweep();
    await sleep(1500);
    await sweep();
  });
  try {
    const client = await tc.getContainerRuntimeClient();
    const networkName = `shardmove-${runId}`;
    await client.container.dockerode.createNetwork({
      Name: networkName,
      Labels: labelsFor(runId),
      CheckDuplicate: true,
    });
    const password = newPassword();
    const user = config.topology.role;
    const pod = config.containers.network === 'pod';
    // In a pod every node listens on its own port of the shared namespace.
    const portOf = (role: NodeRole) => (pod ? podPorts[role] : 5432);

    const schedulings: HostScheduling[] = [];
    const placed = async (containerId: string) => {
      if (config.containers.cpuScheduling !== 'host') return;
      const { State } = await client.container.dockerode.getContainer(containerId).inspect();
      schedulings.push(await scheduleAsHostProcesses(containerId, State.Pid));
    };

    const container = (role: NodeRole) =>
      nodeContainer(tc, image, placed)
        .withName(`shardmove-${runId}-${role}`)
        .withLabels(labelsFor(runId, role))
        // Docker's default /dev/shm is 64 MiB; parallel query and index builds keep their
        // shared memory there, and running out of it crashes the server.
        .withSharedMemorySize(1024 ** 3)
        .withEnvironment({
          SHARDMOVE_USER: user,
          SHARDMOVE_PASSWORD_FILE: passwordPath,
          SHARDMOVE_AUTH: config.topology.auth,
        })
        .withCopyContentToContainer([
          { content: `${password.reveal()}\n`, target: passwordPath, mode: 0o444 },
          // A file postgresql.conf includes, not -c arguments: those show in ps and docker
          // inspect, and a scenario's server settings may hold what neither should.
          {
            content: `${settingsAsConfLines(serverSettings(role, config)).join('\n')}\n`,
            target: serverConfPath,
            mode: 0o444,
          },
        ])
        .withCommand(['-c', `port=${portOf(role)}`, '-c', `cluster_name=shardmove-${runId}-${role}`])
        .withWaitStrategy(tc.Wait.forLogMessage(/database system is ready to accept connections/))
        .withStartupTimeout(config.startupTimeoutSeconds * 1000);

    const access = async (role: NodeRole, host: string, mappedPort: number): Promise<NodeAccess> => {
      const endpoint = { host, port: mappedPort, user, password, database: 'postgres' };
      await waitUntilReady(
        endpoint,
        'postgres',
        {
          connectTimeoutMillis: config.connectTimeoutMillis,
          timeoutMillis: config.startupTimeoutSeconds * 1000,
        },
        role,
      );
      await storePassword(endpoint, config.connectTimeoutMillis, role);
      return { role, endpoint, peerHost: role, peerPort: portOf(role) };
    };

    const pooled = config.topology.pooler === 'pgbouncer';
    const poolerAccess = async (host: string, mappedPort: number) => {
      const endpoint = { host, port: mappedPort, user, password, database: 'pgbouncer' };
      const version = await waitForPooler(endpoint, config);
      events({
        type: 'info',
        message: `containers: pgbouncer ${version} as ${poolerAlias}:${poolerContainerPort}`,
      });
      return { endpoint, peerHost: poolerAlias, peerPort: poolerContainerPort, version };
    };
    const poolerContainer = (backends: Record<'old' | 'new', NodeAccess>) =>
      nodeContainer(tc, image, placed)
        .withName(poolerContainerName(runId))
        .withLabels(labelsFor(runId, 'pooler'))
        .withEntrypoint(['/usr/local/bin/shardmove-pooler'])
        .withEnvironment({ SHARDMOVE_USER: user, SHARDMOVE_PASSWORD_FILE: passwordPath })
        .withCopyContentToContainer([
          { content: `${password.reveal()}\n`, target: passwordPath, mode: 0o444 },
          {
            content: pgbouncerIni({
              listenAddr: '*',
              listenPort: poolerContainerPort,
              adminUser: user,
              auth: config.topology.auth,
              files: {
                authFile: '/var/lib/shardmove/userlist.txt',
                databasesFile: `${containerPoolerDir}/databases.ini`,
              },
            }),
            target: `${containerPoolerDir}/pgbouncer.ini`,
            mode: 0o444,
          },
          {
            content: databasesIni(initialPoolerDatabases(config.topology, backends)),
            target: `${containerPoolerDir}/databases.ini`,
            mode: 0o644,
          },
        ])
        .withWaitStrategy(tc.Wait.forLogMessage(/process up/))
        .withStartupTimeout(config.startupTimeoutSeconds * 1000);

    let started: NodeAccess[];
    if (pod) {
      // The proxy owns the namespace: it carries every alias and publishes every port.
      const proxy = await container('proxy')
        .withNetworkMode(networkName)
        .withNetworkAliases(...nodeRoles, ...(pooled ? [poolerAlias] : []))
        .withExposedPorts(...nodeRoles.map((r) => podPorts[r]), ...(pooled ? [poolerContainerPort] : []))
        .start();
      await Promise.all(
        (['old', 'new'] as const).map((role) =>
          container(role).withNetworkMode(`container:${proxy.getId()}`).start(),
        ),
      );
      started = await Promise.all(
        nodeRoles.map((role) => access(role, proxy.getHost(), proxy.getMappedPort(podPorts[role]))),
      );
      if (pooled) {
        const backends = backendsOf(started);
        await poolerContainer(backends).withNetworkMode(`container:${proxy.getId()}`).start();
        started = withPooler(
          started,
          await poolerAccess(proxy.getHost(), proxy.getMappedPort(poolerContainerPort)),
        );
      }
    } else {
      started = await Promise.all(
        nodeRoles.map(async (role) => {
          const c = await container(role)
            .withNetworkMode(networkName)
            .withNetworkAliases(role)
            .withExposedPorts(5432)
            .start();
          return access(role, c.getHost(), c.getMappedPort(5432));
        }),
      );
      if (pooled) {
        const backends = backendsOf(started);
        const c = await poolerContainer(backends)
          .withNetworkMode(networkName)
          .withNetworkAliases(poolerAlias)
          .withExposedPorts(poolerContainerPort)
          .start();
        started = withPooler(started, await poolerAccess(c.getHost(), c.getMappedPort(poolerContainerPort)));
      }
    }
    const cpuScheduling = describeScheduling(config.containers.cpuScheduling, schedulings);
    if (cpuScheduling !== config.containers.cpuScheduling) {
      events({ type: 'info', message: `containers: CPU scheduling ${cpuScheduling}` });
    }
    const nodes = Object.fromEntries(started.map((n) => [n.role, n])) as Record<NodeRole, NodeAccess>;
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await sweep();
      unregister();
    };
    return {
      provider: 'containers',
      runId,
      nodes,
      handle: { provider: 'containers', runId },
      facts: {
        image,
        imageId: (await imageId(image)) ?? 'unknown',
        network: networkName,
        networkMode: config.containers.network,
        cpuScheduling,
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

/** `host`, `container`, or `container (why host was not possible)`. */
function describeScheduling(asked: ContainerCpuScheduling, results: readonly HostScheduling[]): string {
  if (asked === 'container') return 'container';
  const skipped = results.find((r): r is { skipped: string } => 'skipped' in r);
  return skipped ? `container (host asked: ${skipped.skipped})` : 'host';
}

function backendsOf(started: readonly NodeAccess[]): Record<'old' | 'new', NodeAccess> {
  const find = (role: 'old' | 'new') => {
    const node = started.find((n) => n.role === role);
    if (!node) throw new Error(`no ${role} node`);
    return node;
  };
  return { old: find('old'), new: find('new') };
}

function withPooler(started: readonly NodeAccess[], pooler: PoolerAccess): NodeAccess[] {
  return started.map((n) => (n.role === 'proxy' ? { ...n, pooler } : n));
}

/**
 * Every node container of a run: publishes ports on 127.0.0.1 only (the harness is the only
 * client, and a database with a test password has no business listening on every interface
 * of the machine), and hands each started container to `placed` (its CPU scheduling).
 */
function nodeContainer(tc: Testcontainers, image: string, placed: (containerId: string) => Promise<void>) {
  class NodeContainer extends tc.GenericContainer {
    // Before the harness connects: the backends forked from then on start where the postmaster is.
    protected override async containerStarted(started: { getId(): string }): Promise<void> {
      await placed(started.getId());
    }

    protected override async beforeContainerCreated(): Promise<void> {
      const bindings = Object.values(this.hostConfig.PortBindings ?? {}) as Array<Array<{ HostIp?: string }>>;
      for (const binding of bindings.flat()) binding.HostIp = '127.0.0.1';
    }
  }
  return new NodeContainer(image);
}

export const containersProvider: Provider = {
  name: 'containers',
  nodeActions: ['kill', 'pause', 'terminate-sessions'],
  preflight,
  start,
};
