import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationStrategy } from '../../harness/config/config-types.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { migrationContext } from '../../harness/migrate/migration-context.ts';
import { runMigration } from '../../harness/migrate/run-migration.ts';
import { localNodePaths } from '../../harness/provision/local-binaries.ts';
import { managedAdminRole } from '../../harness/provision/managed-role.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { testConfig } from '../support/config.ts';
import { databaseNames, query } from '../support/sql.ts';
import { withStrategy } from '../support/strategy-phases.ts';

const managed = () => testConfig('local', { local: { privileges: 'managed' } });

async function startManaged(): Promise<StartedTopology> {
  return startTopology({ config: await managed(), events: ignoreEvents });
}

async function context(topology: StartedTopology, strategy: MigrationStrategy) {
  return migrationContext(
    await withStrategy(topology.config, { strategy }),
    topology.nodes,
    topology.runId,
    ignoreEvents,
    topology.handle,
  );
}

/** The admin a managed service keeps to itself; only a test reaches for it, over the node's socket. */
function asAdmin(topology: StartedTopology, role: 'old' | 'new', database: string, sql: string) {
  if (topology.handle.provider !== 'local') throw new Error('expected the local provider');
  const { endpoint } = topology.nodes[role];
  const socketDir = localNodePaths(topology.handle.baseDir, role).dataDir;
  return query(
    { host: socketDir, port: endpoint.port, user: managedAdminRole, password: undefined, database },
    database,
    sql,
  );
}

const isSuperuser = async (topology: StartedTopology, role: 'proxy' | 'old' | 'new') => {
  const [row] = await query<{ su: boolean }>(
    topology.nodes[role].endpoint,
    'postgres',
    'select rolsuper su from pg_roles where rolname = current_user',
  );
  return row?.su;
};

/** Old and new handed out as a managed service hands out an instance: the harness's role is no superuser there. */
describe('managed-like targets (--privileges managed, local provider)', () => {
  describe.each(['copy', 'seed', 'matview'] as const)('the %s strategy', (strategy) => {
    let topology: StartedTopology;
    beforeAll(async () => {
      topology = await startManaged();
    });
    afterAll(async () => {
      await topology?.stop();
    });

    it('moves p23 as a non-superuser on old and new, every phase ok', async () => {
      expect(await isSuperuser(topology, 'old')).toBe(false);
      expect(await isSuperuser(topology, 'new')).toBe(false);
      expect(await isSuperuser(topology, 'proxy')).toBe(true);
      const result = await runMigration(await context(topology, strategy));
      expect(result.phases.filter((p) => p.status !== 'ok').map((p) => [p.name, p.status])).toEqual([]);
      expect(result.outcome).toBe('completed');
      const gate = result.phases.find((p) => p.name === 'readiness');
      const privileges =
        gate?.name === 'readiness' && gate.status === 'ok'
          ? gate.evidence.items?.find((i) => i.cause === 'privileges')
          : undefined;
      expect(privileges?.answer).toBe('go');
      expect(privileges?.detail).toMatch(
        strategy === 'matview' ? /no superuser: matview: done without the catalog edit/ : /no superuser/,
      );
      expect(await databaseNames(topology.nodes.new.endpoint)).toContain('db23');
      const [row] = await query<{ dbid: number }>(
        topology.nodes.proxy.endpoint,
        'proxy',
        'select dbid from query_pk(23)',
      );
      expect(row?.dbid).toBe(23);
    });
  });

  describe('what a managed role may not do', () => {
    let topology: StartedTopology;
    beforeAll(async () => {
      topology = await startManaged();
    });
    afterAll(async () => {
      await topology?.stop();
    });

    it('refuses logical up front, naming the privilege it lacks, and changes nothing', async () => {
      const result = await runMigration(await context(topology, 'logical'));
      expect(result.outcome).toBe('rolled-back');
      expect(result.state).toMatch(/^no-go at the readiness gate, nothing changed/);
      const gate = result.phases.find((p) => p.name === 'readiness');
      expect(gate?.status).toBe('failed');
      expect(gate?.status === 'failed' ? gate.error : '').toMatch(
        /new: the harness's role may not CREATE SUBSCRIPTION \(superuser only before PostgreSQL 16\)/,
      );
      expect(await databaseNames(topology.nodes.new.endpoint)).not.toContain('db23');
    });

    it('answers no-go for an FDW strategy when the admin has not granted postgres_fdw, naming it', async () => {
      const role = topology.config.topology.role;
      await asAdmin(
        topology,
        'new',
        'template1',
        `revoke usage on foreign data wrapper postgres_fdw from ${role}`,
      );
      try {
        const result = await runMigration(await context(topology, 'seed'));
        expect(result.state).toMatch(/^no-go at the readiness gate/);
        const gate = result.phases.find((p) => p.name === 'readiness');
        expect(gate?.status === 'failed' ? gate.error : '').toMatch(
          /privileges: new: seed reads old through postgres_fdw, which is not in new's template1 with USAGE/,
        );
        expect(await databaseNames(topology.nodes.new.endpoint)).not.toContain('db23');
      } finally {
        await asAdmin(
          topology,
          'new',
          'template1',
          `grant usage on foreign data wrapper postgres_fdw to ${role}`,
        );
      }
    });

    it("keeps the admin's password in no file of the run", () => {
      if (topology.handle.provider !== 'local') throw new Error('expected the local provider');
      const baseDir = topology.handle.baseDir;
      const top = readdirSync(baseDir, { withFileTypes: true }).filter((e) => e.isFile());
      expect(top.map((e) => e.name)).not.toContain('admin-pwfile');
      const pgpass = readFileSync(join(baseDir, 'server.pgpass'), 'utf8');
      expect(pgpass).not.toContain(managedAdminRole);
    });
  });
});
