import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeRole } from '../../harness/config/config-types.ts';
import { parseDsn } from '../../harness/config/dsn.ts';
import { connect } from '../../harness/db/connect.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { startLoad } from '../../harness/load/run-load.ts';
import { failedTotal } from '../../harness/load/samples.ts';
import { migrationContext } from '../../harness/migrate/migration-context.ts';
import { runPhases } from '../../harness/migrate/phase-result.ts';
import { localProvider } from '../../harness/provision/local-provider.ts';
import type { StartedNodes } from '../../harness/provision/provider.ts';
import { newRunId } from '../../harness/provision/run-id.ts';
import { SecondFeed } from '../../harness/rehearsal/second-feed.ts';
import { startTopology } from '../../harness/topology/start-topology.ts';
import { testConfig } from '../support/config.ts';
import { query, uriWithPassword } from '../support/sql.ts';
import { strategyPhases } from '../support/strategy-phases.ts';

const run = promisify(execFile);

/**
 * External hosts reached over TLS, verify-full against a CA made for the test: local nodes
 * with ssl turned on stand in for them. Every link the harness opens or writes (its own
 * sessions, the load, PL/Proxy's partitions, the FDW, the subscription) must be encrypted,
 * which each server's pg_stat_ssl shows from its side.
 */
describe('TLS to external hosts, verify-full against a test CA', () => {
  let hosts: StartedNodes;
  let certs: string;
  const ca = () => join(certs, 'ca.crt');
  const tlsUri = (role: NodeRole, mode = 'verify-full', rootcert = ca(), host = '127.0.0.1') =>
    `${uriWithPassword(hosts.nodes[role].endpoint).replace('@127.0.0.1:', `@${host}:`)}?sslmode=${mode}&sslrootcert=${encodeURIComponent(rootcert)}`;

  /** Backends of a server by application_name and whether each is encrypted. */
  const encryption = async (role: NodeRole, where: string) =>
    query<{ app: string; ssl: boolean }>(
      hosts.nodes[role].endpoint,
      'postgres',
      `select a.application_name app, s.ssl from pg_stat_activity a join pg_stat_ssl s using (pid)
        where a.pid <> pg_backend_pid() and (${where}) order by 1`,
    );

  beforeAll(async () => {
    certs = await mkdtemp(join(tmpdir(), 'shardmove-tls-'));
    // The nodes' postmasters (the postgres OS user) read the key and, for their own links, the CA.
    await chmod(certs, 0o755);
    const openssl = (args: string[]) => run('openssl', args, { cwd: certs });
    const newCa = (name: string) =>
      openssl(
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`].concat([
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.crt`,
        ]),
      );
    await newCa('ca');
    await newCa('other-ca');
    await openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
    ]);
    // The address only: a name the certificate does not list fails verify-full, as with libpq.
    await writeFile(join(certs, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    await openssl(
      ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
        '-days',
        '2',
        '-extfile',
        'san.ext',
        '-out',
        'server.crt',
      ]),
    );
    if (userInfo().uid === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      for (const f of ['server.key', 'server.crt']) await chown(join(certs, f), Number(stdout.trim()), 0);
    }
    await chmod(join(certs, 'server.key'), 0o600);
    for (const f of ['ca.crt', 'other-ca.crt', 'server.crt']) await chmod(join(certs, f), 0o644);

    hosts = await localProvider.start({
      config: await testConfig('local'),
      runId: newRunId(),
      events: ignoreEvents,
    });
    for (const role of ['proxy', 'old', 'new'] as const) {
      const endpoint = hosts.nodes[role].endpoint;
      await query(endpoint, 'postgres', `alter system set ssl_cert_file = '${join(certs, 'server.crt')}'`);
      await query(endpoint, 'postgres', `alter system set ssl_key_file = '${join(certs, 'server.key')}'`);
      await query(endpoint, 'postgres', 'alter system set ssl = on');
      await query(endpoint, 'postgres', 'select pg_reload_conf()');
    }
  });
  afterAll(async () => {
    await hosts?.stop();
    await rm(certs, { recursive: true, force: true });
  });

  it('encrypts its own sessions, the load, PL/Proxy, the FDW and the subscription', async () => {
    const config = await testConfig('external', {
      external: { proxy: tlsUri('proxy'), old: tlsUri('old'), new: tlsUri('new') },
      seeding: { profile: 'none' },
      migration: { strategy: 'logical' },
    });
    await using topology = await startTopology({ config, events: ignoreEvents });
    expect(topology.nodes.old.endpoint.tls).toEqual({ sslmode: 'verify-full', sslrootcert: ca() });

    // The harness's own session.
    const own = await connect(topology.nodes.old.endpoint, 'postgres', { connectTimeoutMillis: 10_000 });
    try {
      const { rows } = await own.query<{ ssl: boolean }>(
        'select ssl from pg_stat_ssl where pid = pg_backend_pid()',
      );
      expect(rows).toEqual([{ ssl: true }]);
    } finally {
      await own.end();
    }

    // The load, through the proxy, and PL/Proxy's connections to every partition.
    const load = startLoad({
      target: { ...topology.nodes.proxy.endpoint, database: 'proxy' },
      partitions: 32,
      groups: [{ name: 'w', clients: 2, scripts: [{ name: 'insert_log', weight: 1 }] }],
      durationSeconds: 8,
      prime: true,
    });
    const feed = new SecondFeed(load);
    expect(await feed.until(() => feed.primed() >= 2, Date.now() + 60_000)).toBe(true);
    // While the load runs: a proxy backend's partition connections end with its session.
    const loadSessions = await encryption('proxy', `a.application_name = 'shardmove-load'`);
    const partitions = [
      ...(await encryption('old', `a.application_name ~ '^[0-9]+$'`)),
      ...(await encryption('new', `a.application_name ~ '^[0-9]+$'`)),
    ];
    const result = await load.done;
    expect(result.totals.ok).toBeGreaterThan(0);
    expect(failedTotal(result.totals)).toBe(0);
    expect(loadSessions.length).toBeGreaterThan(0);
    expect(loadSessions.every((s) => s.ssl)).toBe(true);
    expect(new Set(partitions.map((p) => p.app)).size).toBe(32);
    expect(partitions.filter((p) => !p.ssl)).toEqual([]);

    // The seed's preparation: new's postgres_fdw server reading old's shard; then undone.
    const seed = migrationContext(
      { ...config, migration: { ...config.migration, strategy: 'seed' } },
      topology.nodes,
      topology.runId,
      ignoreEvents,
    );
    const seedPhases = await strategyPhases('seed');
    const upToPrepare = seedPhases.slice(0, seedPhases.findIndex((p) => p.name === 'prepare new') + 1);
    const prepared = await runPhases(upToPrepare, seed, ignoreEvents);
    expect(prepared.map((r) => [r.name, r.status])).toEqual(upToPrepare.map((p) => [p.name, 'ok']));
    // postgres_fdw keeps its connection to old for the session that used it: ask while it lasts.
    const reader = await connect(topology.nodes.new.endpoint, 'db23', { connectTimeoutMillis: 10_000 });
    let fdw: Awaited<ReturnType<typeof encryption>>;
    try {
      await reader.query('select count(*) from digoal.ft_session');
      fdw = await encryption('old', `a.application_name = 'postgres_fdw'`);
    } finally {
      await reader.end();
    }
    expect(fdw.length).toBeGreaterThan(0);
    expect(fdw.every((s) => s.ssl)).toBe(true);
    const undone = await runPhases(
      upToPrepare.flatMap((p) => (p.undo ? [p.undo] : [])).reverse(),
      seed,
      ignoreEvents,
    );
    expect(undone.every((r) => r.status === 'ok')).toBe(true);

    // The logical move's first phases: the subscription, its walsender on old.
    const context = migrationContext(config, topology.nodes, topology.runId, ignoreEvents);
    const phases = await strategyPhases('logical');
    const upToSync = phases.slice(0, phases.findIndex((p) => p.name === 'initial sync') + 1);
    const results = await runPhases(upToSync, context, ignoreEvents);
    expect(results.map((r) => [r.name, r.status])).toEqual(upToSync.map((p) => [p.name, 'ok']));
    const walsenders = await encryption('old', `a.backend_type = 'walsender'`);
    expect(walsenders.length).toBeGreaterThan(0);
    expect(walsenders.every((s) => s.ssl)).toBe(true);
    // The topology's stop (await using) removes the subscription, the slot and the databases.
  });

  it('refuses a server whose certificate does not chain to sslrootcert, or is not for the host named', async () => {
    const open = async (uri: string) => {
      const c = await connect(parseDsn(uri, 'old'), 'postgres', { connectTimeoutMillis: 10_000 }, 'old');
      await c.end();
    };
    await expect(open(tlsUri('old', 'verify-full', join(certs, 'other-ca.crt')))).rejects.toThrow(
      /old \(.*\): the server's certificate (does not chain to sslrootcert|chains to a CA sslrootcert does not hold)/,
    );
    await expect(open(tlsUri('old', 'verify-full', ca(), 'localhost'))).rejects.toThrow(
      /old \(.*\): the server's certificate is not for localhost \(sslmode=verify-full\)/,
    );
    // verify-ca checks the chain only; require, nothing.
    await open(tlsUri('old', 'verify-ca', ca(), 'localhost'));
    await open(`${uriWithPassword(hosts.nodes.old.endpoint)}?sslmode=require`);
  });
});
