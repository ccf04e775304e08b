import { execFileSync } from 'node:child_process';
import { readlinkSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../harness/db/connect.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { measureLinkCosts } from '../../harness/provision/link-costs.ts';
import { kernelHasNetem, readNodeNetwork } from '../../harness/provision/node-network.ts';
import { localPoolerDir } from '../../harness/provision/pooler-control.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { testConfig } from '../support/config.ts';
import { query } from '../support/sql.ts';

const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
const links = () => execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
const forwardRules = () => {
  try {
    return execFileSync('iptables', ['-S', 'FORWARD'], { encoding: 'utf8' });
  } catch {
    return '';
  }
};

/** The postmaster of a local node, from its data directory's pid file. */
function postmasterPid(baseDir: string, role: string): number {
  const pidFile = execFileSync('head', ['-1', `${baseDir}/${role}/postmaster.pid`], { encoding: 'utf8' });
  return Number(pidFile.trim());
}

const netem = await kernelHasNetem();

/** Nodes on hosts of their own: each in a network namespace with its own address, joined by a bridge. */
describe('the local provider with --network netns', () => {
  let topology: StartedTopology;
  let baseDir = '';
  let names: { namespace: string; address: string; hostDevice: string }[] = [];
  let bridge = '';

  beforeAll(async () => {
    topology = await startTopology({
      config: await testConfig('local', { seeding: { profile: 'none' }, local: { network: 'netns' } }),
      events: ignoreEvents,
    });
    const handle = topology.handle;
    if (handle.provider !== 'local') throw new Error('expected the local provider');
    baseDir = handle.baseDir;
    const network = await readNodeNetwork(baseDir);
    if (!network) throw new Error('no network record');
    names = Object.values(network.nodes);
    bridge = network.bridge;
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it('gives each node its own address on the run subnet, its postmaster in its own namespace', () => {
    const hosts = Object.values(topology.nodes).map((n) => n.endpoint.host);
    expect(new Set(hosts).size).toBe(3);
    for (const host of hosts) expect(host).toMatch(/^10\.231\.\d+\.\d+$/);
    for (const { namespace } of names) expect(namespaces()).toContain(namespace);
    for (const role of ['proxy', 'old', 'new']) {
      const namespace = names.find((n) => n.namespace.endsWith(`-${role}`))?.namespace ?? '';
      const inNamespace = statSync(`/run/netns/${namespace}`).ino;
      const ofPostmaster = readlinkSync(`/proc/${postmasterPid(baseDir, role)}/ns/net`);
      expect(ofPostmaster).toBe(`net:[${inNamespace}]`);
    }
  });

  it("routes p23 from the proxy's namespace to old's over the bridge: old sees the proxy's address", async () => {
    const { proxy, old } = topology.nodes;
    const viaProxy = await connect({ ...proxy.endpoint, database: 'proxy' }, 'proxy', {
      connectTimeoutMillis: 10_000,
    });
    const onOld = await connect({ ...old.endpoint, database: 'db23' }, 'db23', {
      connectTimeoutMillis: 10_000,
    });
    try {
      await viaProxy.query('select insert_log(23)');
      const { rows } = await onOld.query<{ addr: string }>(
        `select host(client_addr) as addr from pg_stat_activity where datname = 'db23' and application_name = '23'`,
      );
      expect(rows.map((r) => r.addr)).toContain(proxy.endpoint.host);
    } finally {
      await viaProxy.end();
      await onOld.end();
    }
  });

  it.skipIf(netem !== false)(
    'refuses a delay on a kernel without netem, naming the kernel option',
    async () => {
      await expect(
        startTopology({
          config: await testConfig('local', {
            seeding: { profile: 'none' },
            local: { network: 'netns', delayMillis: 5 },
          }),
          events: ignoreEvents,
        }),
      ).rejects.toThrow(/CONFIG_NET_SCH_NETEM/);
    },
  );

  it.skipIf(netem !== true)(
    'adds the delay to each round trip to a node: netem holds what the node sends',
    async () => {
      const delayed = await startTopology({
        config: await testConfig('local', {
          seeding: { profile: 'none' },
          local: { network: 'netns', delayMillis: 20 },
        }),
        events: ignoreEvents,
      });
      try {
        const client = await connect({ ...delayed.nodes.old.endpoint, database: 'postgres' }, 'postgres', {
          connectTimeoutMillis: 10_000,
        });
        try {
          const started = performance.now();
          for (let i = 0; i < 5; i++) await client.query('select 1');
          // A lower bound netem guarantees, whatever the host's speed.
          expect((performance.now() - started) / 5).toBeGreaterThanOrEqual(20);
        } finally {
          await client.end();
        }
      } finally {
        await delayed.stop();
      }
    },
  );

  it('limits the rate each node sends at with tbf, and measures every link from its sending host', async () => {
    const limited = await startTopology({
      config: await testConfig('local', {
        seeding: { profile: 'none' },
        local: { network: 'netns', bandwidthMbit: 8 },
      }),
      events: ignoreEvents,
    });
    try {
      if (limited.handle.provider !== 'local') throw new Error('expected the local provider');
      const network = await readNodeNetwork(limited.handle.baseDir);
      const old = network?.nodes.old;
      if (!old) throw new Error('no network record');
      const qdiscs = execFileSync('tc', ['-n', old.namespace, 'qdisc', 'show', 'dev', old.device], {
        encoding: 'utf8',
      });
      expect(qdiscs).toMatch(/tbf .*rate 8Mbit/);
      const client = await connect({ ...limited.nodes.old.endpoint, database: 'postgres' }, 'postgres', {
        connectTimeoutMillis: 10_000,
      });
      try {
        const started = performance.now();
        await client.query(`select repeat('x', 2000000)`);
        // 2 MB at 8 Mbit/s is 2 s on the wire at best, whatever the host's speed.
        expect(performance.now() - started).toBeGreaterThanOrEqual(1_500);
      } finally {
        await client.end();
      }
      const links = await measureLinkCosts(limited.handle, limited.nodes);
      expect(links?.map((l) => `${l.from}->${l.to}`)).toEqual([
        'client->proxy',
        'proxy->old',
        'proxy->new',
        'new->old',
      ]);
      for (const link of links ?? []) {
        expect(link.roundTripMillis).toBeGreaterThan(0);
        expect(link.connectMillis).toBeGreaterThan(link.roundTripMillis);
      }
    } finally {
      await limited.stop();
    }
  });

  it("runs the pooled topology's pgbouncer on the proxy's host: in its namespace, on its address", async () => {
    const pooled = await startTopology({
      config: await testConfig('local', {
        seeding: { profile: 'none' },
        topology: { pooler: 'pgbouncer' },
        local: { network: 'netns' },
      }),
      events: ignoreEvents,
    });
    try {
      if (pooled.handle.provider !== 'local') throw new Error('expected the local provider');
      const network = await readNodeNetwork(pooled.handle.baseDir);
      const proxyHost = network?.nodes.proxy;
      if (!proxyHost) throw new Error('no network record');
      expect(pooled.nodes.proxy.pooler?.peerHost).toBe(proxyHost.address);
      const pid = execFileSync('head', ['-1', `${localPoolerDir(pooled.handle.baseDir)}/pgbouncer.pid`], {
        encoding: 'utf8',
      }).trim();
      expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe(
        `net:[${statSync(`/run/netns/${proxyHost.namespace}`).ino}]`,
      );
      const viaProxy = await connect({ ...pooled.nodes.proxy.endpoint, database: 'proxy' }, 'proxy', {
        connectTimeoutMillis: 10_000,
      });
      try {
        await viaProxy.query('select insert_log(23)');
      } finally {
        await viaProxy.end();
      }
      const [seen] = await query<{ addr: string }>(
        pooled.nodes.old.endpoint,
        'db23',
        `select host(client_addr) as addr from pg_stat_activity where datname = 'db23' and backend_type = 'client backend' and pid <> pg_backend_pid()`,
      );
      // pgbouncer's server connection, from the proxy's host.
      expect(seen?.addr).toBe(proxyHost.address);
    } finally {
      await pooled.stop();
    }
  });

  it('leaves no namespace, link or forwarding rule once stopped', async () => {
    await topology.stop();
    for (const { namespace, hostDevice } of names) {
      expect(namespaces()).not.toContain(namespace);
      expect(links()).not.toContain(hostDevice);
    }
    expect(links()).not.toContain(bridge);
    expect(forwardRules()).not.toContain(bridge);
  });
});
