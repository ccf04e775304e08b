import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeRole } from '../../harness/config/config-types.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { localProvider } from '../../harness/provision/local-provider.ts';
import type { StartedNodes } from '../../harness/provision/provider.ts';
import { newRunId } from '../../harness/provision/run-id.ts';
import { startTopology } from '../../harness/topology/start-topology.ts';
import { runCli } from '../support/cli.ts';
import { testConfig } from '../support/config.ts';
import { leftovers } from '../support/leftovers.ts';
import { type PostgresInstall, postgresWithoutPlproxy } from '../support/postgres-without-plproxy.ts';
import { databaseNames, query, uriWithPassword } from '../support/sql.ts';

/** A real PostgreSQL 15 whose installation lacks PL/Proxy, found through SHARDMOVE_PG_BINDIR. */
describe('PostgreSQL without PL/Proxy', () => {
  let install: PostgresInstall;
  const withoutPlproxy = () => ({ SHARDMOVE_PG_BINDIR: install.binDir });

  beforeAll(async () => {
    install = await postgresWithoutPlproxy();
  });

  afterAll(async () => {
    await install?.[Symbol.asyncDispose]();
  });

  it('doctor names the missing package and the command that installs it', async () => {
    const result = await runCli(['doctor'], withoutPlproxy());
    expect(result.stdout).toContain(`PostgreSQL 15 server binaries: ${install.binDir}`);
    const local = result.stdout.split('\nprovider local: ')[1]?.split('\n\n')[0] ?? '';
    expect(local).toMatch(/^not ready\n/);
    expect(local).toContain('  PL/Proxy: missing (apt package postgresql-15-plproxy)');
    expect(local).toContain('  fix: bash scripts/setup.sh');
  });

  it('up --provider local refuses before creating anything', async () => {
    const before = await leftovers();
    const result = await runCli(['up', '--provider', 'local', '--keep'], withoutPlproxy());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("provider 'local' cannot start");
    expect(result.stderr).toContain('PL/Proxy: missing (apt package postgresql-15-plproxy)');
    expect(result.stderr).toContain('bash scripts/setup.sh');
    expect(await leftovers()).toEqual(before);
  });

  describe('as the proxy host of the external provider', () => {
    let hosts: StartedNodes;
    const uri = (role: NodeRole) => uriWithPassword(hosts.nodes[role].endpoint);
    const databases = (role: NodeRole) => databaseNames(hosts.nodes[role].endpoint);

    beforeAll(async () => {
      // The local provider starts bare servers from whichever installation it finds.
      const previous = process.env.SHARDMOVE_PG_BINDIR;
      process.env.SHARDMOVE_PG_BINDIR = install.binDir;
      try {
        hosts = await localProvider.start({
          config: await testConfig('local'),
          runId: newRunId(),
          events: ignoreEvents,
        });
      } finally {
        if (previous === undefined) delete process.env.SHARDMOVE_PG_BINDIR;
        else process.env.SHARDMOVE_PG_BINDIR = previous;
      }
    });

    afterAll(async () => {
      await hosts?.stop();
    });

    it('refuses the hosts, saying PL/Proxy is missing on the proxy, and changes nothing', async () => {
      const available = await query<{ n: number }>(
        hosts.nodes.proxy.endpoint,
        'postgres',
        `select count(*)::int n from pg_available_extensions where name = 'plproxy'`,
      );
      expect(available).toEqual([{ n: 0 }]);
      const config = await testConfig('external', {
        external: { proxy: uri('proxy'), old: uri('old'), new: uri('new') },
        seeding: { profile: 'none' },
      });
      const attempt = startTopology({ config, events: ignoreEvents });
      await expect(attempt).rejects.toThrow(/provider 'external' cannot start/);
      await expect(attempt).rejects.toThrow(
        /proxy: the plproxy extension is not available \(install postgresql-15-plproxy there\)/,
      );
      for (const role of ['proxy', 'old', 'new'] as const) {
        expect(await databases(role)).toEqual(['postgres', 'template0', 'template1']);
      }
    });
  });
});
