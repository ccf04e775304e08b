import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromFlags } from '../../harness/cli/config-from-flags.ts';
import { formatDsn, parseDsn } from '../../harness/config/dsn.ts';
import { builtinSteps, loadConfig } from '../../harness/config/load-config.ts';
import { seedOldPartitions } from '../../harness/config/topology-layout.ts';
import { checkTopologyFit, withPoolerFreeze } from '../../harness/config/validate-config.ts';
import { ConfigError } from '../../harness/errors.ts';
import { faultPlanProblem } from '../../harness/faults/fault-plan.ts';
import { parseMix } from '../../harness/load/scripts.ts';
import { settingsAsConfLines } from '../../harness/provision/server-settings.ts';

async function configError(inputs: Parameters<typeof loadConfig>[0]): Promise<ConfigError> {
  try {
    await loadConfig(inputs);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config layering and validation', () => {
  it('gives the seed by default: 32 partitions, db23 moves, the seed split', async () => {
    const { config, scenario } = await loadConfig({});
    expect(scenario.name).toBe('seed-db23');
    expect(config.topology.partitions).toBe(32);
    expect(config.topology.movePartition).toBe(23);
    expect(config.provider).toBe('auto');
    expect(seedOldPartitions(32)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);
  });

  it('loads every scenario in scenarios/, each valid', async () => {
    const names = readdirSync(join(import.meta.dirname, '../../scenarios'), { withFileTypes: true })
      .filter((f) => f.isDirectory())
      .map((f) => f.name);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect((await loadConfig({ scenario: name })).scenario.name).toBe(name);
  });

  it('moves there and back for the and-back scenario and for --and-back, not otherwise', async () => {
    expect((await loadConfig({})).config.rehearsal.andBack).toBe(false);
    expect((await loadConfig({ scenario: 'logical-db23-and-back' })).config.rehearsal.andBack).toBe(true);
    expect((await loadConfig({ flags: { rehearsal: { andBack: true } } })).config.rehearsal.andBack).toBe(
      true,
    );
  });

  it('layers flags over the environment over the scenario', async () => {
    const { config } = await loadConfig({
      env: { SHARDMOVE_PROVIDER: 'containers' },
      flags: { provider: 'local', topology: { partitions: 16, movePartition: 11 } },
    });
    expect(config.provider).toBe('local');
    expect(config.topology.partitions).toBe(16);
    expect(config.topology.clusterName).toBe('rds_pg_cluster');
  });

  it('rejects an unknown key, naming it and suggesting the near miss', async () => {
    const error = await configError({ flags: { topology: { partitons: 32 } } });
    expect(error.message).toBe(
      "unknown key 'topology.partitons' in command-line flags (did you mean 'topology.partitions'?)",
    );
  });

  it('rejects a partition count that is not a power of two', async () => {
    const error = await configError({ flags: { topology: { partitions: 24 } } });
    expect(error.message).toMatch(/'topology.partitions' must be a power of two .* got 24/);
  });

  it('rejects a partition out of range and one already on the destination', async () => {
    expect((await configError({ flags: { topology: { movePartition: 40 } } })).message).toMatch(
      /movePartition' 40 is out of range: partitions are 0..31/,
    );
    expect((await configError({ flags: { topology: { movePartition: 8 } } })).message).toMatch(
      /partition 8 is already on the destination cluster 'new'/,
    );
  });

  it('rejects a malformed DSN for the external provider, without echoing its password', async () => {
    const error = await configError({
      flags: {
        provider: 'external',
        external: { proxy: 'postgres://u:secret@host:99999/db', old: 'postgres://u@h/db', new: 'nonsense' },
      },
    });
    expect(error.message).toMatch(/^external.proxy: malformed connection URI/);
    expect(error.message).not.toContain('secret');
    const scheme = await configError({
      flags: {
        provider: 'external',
        external: { proxy: 'mysql://u@h/db', old: 'postgres://u@h/db', new: 'postgres://u@h/db' },
      },
    });
    expect(scheme.message).toBe(
      'external.proxy: connection URI must start with postgres:// or postgresql://, got mysql://',
    );
  });

  it('requires the three URIs for the external provider', async () => {
    const error = await configError({ flags: { provider: 'external' } });
    expect(error.message).toMatch(/provider 'external' needs the proxy, old and new connection URIs/);
  });

  it('names the URIs a partial external config lacks, as a config error (issue 33, item 14)', async () => {
    const error = await configError({
      flags: { provider: 'external' },
      env: { SHARDMOVE_OLD_URL: 'postgres://u:pw14@h/db' },
    });
    expect(error.message).toBe(
      'external hosts need all three connection URIs; external.proxy, external.new not set',
    );
    expect(error.hint).toContain('SHARDMOVE_PROXY_URL, SHARDMOVE_NEW_URL');
    expect(`${error.message}${error.hint}`).not.toContain('pw14');
  });

  it('takes allowDestructive only from the flag, never from a case or config file (issue 33, item 15)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shardmove-destructive-'));
    try {
      const file = join(dir, 'config.json');
      await writeFile(file, JSON.stringify({ allowDestructive: true }));
      const fromFile = await configError({ configFile: file });
      expect(fromFile.message).toMatch(
        /'allowDestructive' is not taken from a file: only the --allow-destructive flag/,
      );
      await mkdir(join(dir, 'case'));
      await writeFile(join(dir, 'case', 'case.json'), JSON.stringify({ config: { allowDestructive: true } }));
      const fromCase = await configError({ scenario: join(dir, 'case') });
      expect(fromCase.message).toMatch(/^case .*case\.json: 'allowDestructive' is not taken from a file/);
      const { config } = await loadConfig({ flags: { allowDestructive: true } });
      expect(config.allowDestructive).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('TLS in the external URIs (issue 33, item 6)', () => {
    const external = (old: string) => ({
      provider: 'external',
      external: { proxy: 'postgres://u@127.0.0.1/db', old, new: 'postgres://u@127.0.0.1:5433/db' },
    });
    it('refuses a password over plain TCP to a host that is not loopback, unless the flag allows it', async () => {
      const plain = await configError({ flags: external('postgres://u:pw33@10.1.2.3/db') });
      expect(plain.message).toBe(
        'external.old: a password would go to 10.1.2.3 in plain text (its URI has no sslmode, or sslmode=disable)',
      );
      expect(plain.hint).toMatch(/sslmode=verify-full.*--allow-plaintext-password/);
      expect(`${plain.message}${plain.hint}`).not.toContain('pw33');
      await expect(
        configError({ flags: external('postgres://u:pw@10.1.2.3/db?sslmode=disable') }),
      ).resolves.toMatchObject({
        message: expect.stringMatching(/in plain text/),
      });
      // Encrypted, on loopback, without a password, or allowed by the flag: accepted.
      for (const flags of [
        external('postgres://u:pw@10.1.2.3/db?sslmode=require'),
        external('postgres://u:pw@127.0.0.1/db'),
        external('postgres://u@10.1.2.3/db'),
        { ...external('postgres://u:pw@10.1.2.3/db'), allowPlaintextPassword: true },
      ])
        expect((await loadConfig({ flags })).config.provider).toBe('external');
    });
    it('reads sslmode and sslrootcert, and refuses what it cannot keep', async () => {
      const { config } = await loadConfig({
        flags: external('postgres://u@10.1.2.3/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.crt'),
      });
      expect(parseDsn(String(config.external?.old), 'old').tls).toEqual({
        sslmode: 'verify-full',
        sslrootcert: '/etc/ca.crt',
      });
      const cases: Array<[string, RegExp]> = [
        [
          '?sslmode=prefer',
          /sslmode=prefer is not supported: use one of disable, require, verify-ca, verify-full/,
        ],
        ['?sslmode=verify-full', /sslmode=verify-full needs sslrootcert/],
        ['?sslmode=verify-ca&sslrootcert=ca.crt', /sslrootcert must be an absolute path, got ca.crt/],
        ['?sslrootcert=%2Fca.crt', /sslrootcert without sslmode/],
        ['?connect_timeout=3', /connection URI parameter connect_timeout is not supported/],
      ];
      for (const [query, message] of cases)
        expect((await configError({ flags: external(`postgres://u@10.1.2.3/db${query}`) })).message).toMatch(
          message,
        );
    });
    it('keeps TLS in the URIs it prints (a kept topology, psql)', () => {
      const endpoint = parseDsn(
        'postgres://u:pw@db.example:6432/x?sslmode=verify-ca&sslrootcert=%2Fca.crt',
        'old',
      );
      expect(formatDsn(endpoint)).toBe(
        'postgresql://u@db.example:6432/x?sslmode=verify-ca&sslrootcert=%2Fca.crt',
      );
      expect(parseDsn(formatDsn(endpoint), 'old').tls).toEqual(endpoint.tls);
    });
    it('takes allowPlaintextPassword only from the flag', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'shardmove-plaintext-'));
      try {
        const file = join(dir, 'config.json');
        await writeFile(file, JSON.stringify({ allowPlaintextPassword: true }));
        expect((await configError({ configFile: file })).message).toMatch(
          /'allowPlaintextPassword' is not taken from a file: only the --allow-plaintext-password flag/,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  it('rejects wrong types, unknown providers and unknown scenarios', async () => {
    expect((await configError({ flags: { load: { clients: 'many' } } })).message).toMatch(
      /'load.clients' in command-line flags must be an integer/,
    );
    expect((await configError({ flags: { provider: 'kubernetes' } })).message).toMatch(
      /'provider' .* must be one of auto, containers, local, external/,
    );
    expect((await configError({ flags: { containers: { cpuScheduling: 'realtime' } } })).message).toMatch(
      /'containers.cpuScheduling' .* must be one of host, container/,
    );
    const unknown = await configError({ scenario: 'no-such-scenario' });
    expect(unknown.message).toBe("unknown case 'no-such-scenario'");
    expect(unknown.hint).toContain('seed-db23');
  });

  it('freezes a pooled topology by triggers, and refuses what a pooler cannot do', async () => {
    const { config } = await loadConfig({ flags: { topology: { pooler: 'pgbouncer' } } });
    expect(config.migration.freeze).toBe('table-triggers');
    expect((await loadConfig({})).config.migration.freeze).toBe('connstring');
    const connstring = await configError({
      flags: { topology: { pooler: 'pgbouncer' }, migration: { freeze: 'connstring' } },
    });
    expect(connstring.message).toMatch(/connstring freeze does not work through pgbouncer/);
    expect(connstring.hint).toMatch(/--freeze table-triggers/);
    const external = await configError({
      flags: { provider: 'external', topology: { pooler: 'pgbouncer' } },
      env: {
        SHARDMOVE_PROXY_URL: 'postgresql://u@h/proxy',
        SHARDMOVE_OLD_URL: 'postgresql://u@h/postgres',
        SHARDMOVE_NEW_URL: 'postgresql://u@h/postgres',
      },
    });
    expect(external.message).toMatch(/local and containers providers, not external/);
    expect((await configError({ flags: { topology: { pooler: 'pgpool' } } })).message).toMatch(
      /'topology.pooler'.*none, pgbouncer/,
    );
  });

  it('holds a switch only where there is a pooler to hold the calls in, and only for logical', async () => {
    const held = await loadConfig({ scenario: 'logical-db23-hold' });
    expect(held.config.migration).toMatchObject({
      strategy: 'logical',
      switch: 'hold',
      freeze: 'table-triggers',
    });
    expect((await loadConfig({})).config.migration.switch).toBe('reject');
    const unpooled = await configError({ flags: { migration: { strategy: 'logical', switch: 'hold' } } });
    expect(unpooled.message).toMatch(/hold needs a pooler/);
    expect(unpooled.hint).toMatch(/--pooler pgbouncer/);
    // `migrate --switch hold` on a kept topology: its pooler is in the state, not the flags,
    // so the edge leaves the check to the merge with it (checkTopologyFit).
    const keptFlags = { flags: { migration: { strategy: 'logical', switch: 'hold' } }, topologyKept: true };
    const kept = (await loadConfig(keptFlags)).config;
    expect(kept.migration.switch).toBe('hold');
    expect(() => checkTopologyFit(kept)).toThrow(/hold needs a pooler/);
    expect(() =>
      checkTopologyFit(withPoolerFreeze({ ...kept, topology: { ...kept.topology, pooler: 'pgbouncer' } })),
    ).not.toThrow();
    const copy = await configError({
      flags: { topology: { pooler: 'pgbouncer' }, migration: { strategy: 'copy', switch: 'hold' } },
    });
    expect(copy.message).toMatch(/hold is for the logical strategy, not copy/);
    expect((await configError({ flags: { migration: { switch: 'wait' } } })).message).toMatch(
      /'migration.switch'.*reject, hold/,
    );
    // A fault of the held switch names its own phases: 'hold' is one, for logical held only.
    const faulted = await loadConfig({ scenario: 'fault-pause-new-during-hold' });
    expect(faultPlanProblem(faulted.config)).toBeUndefined();
    expect(
      faultPlanProblem({
        ...faulted.config,
        migration: {
          ...faulted.config.migration,
          switch: 'reject',
          steps: await builtinSteps('logical', 'reject'),
          fault: { kind: 'pause-new', phase: 'hold' },
        },
      }),
    ).toMatch(/"hold" is not a phase of the procedure/);
  });

  it('rejects identifiers that would need quoting in SQL', async () => {
    const error = await configError({ flags: { topology: { proxyDatabase: 'proxy"; drop table x; --' } } });
    expect(error.message).toMatch(/'topology.proxyDatabase' .* must be a lower-case SQL identifier/);
  });

  it('refuses a proxy database that names a shard or a system database', async () => {
    for (const name of ['db7', 'db23', 'postgres', 'template1']) {
      const error = await configError({ flags: { topology: { proxyDatabase: name } } });
      expect(error.message).toContain('names a shard database or a system database');
    }
  });

  it('refuses a barrier timeout too short to let a writer finish', async () => {
    const error = await configError({ flags: { migration: { barrierTimeoutMillis: 0 } } });
    expect(error.message).toMatch(/'migration.barrierTimeoutMillis' .*must be an integer from 100 /);
  });

  it('refuses a server setting that would break out of its postgresql.conf line, and escapes backslashes', async () => {
    const error = await configError({
      flags: { server: { backend: { log_line_prefix: "x'\nfsync = off" } } },
    });
    expect(error.message).toContain('line break');
    expect(settingsAsConfLines({ a: "it's C:\\path" })).toEqual(["a = 'it''s C:\\\\path'"]);
  });

  it('refuses an injectFaultAfter that names no phase of the strategy (a typo would inject nothing)', async () => {
    const copy = (await loadConfig({ flags: { migration: { strategy: 'copy' } } })).config;
    const config = { ...copy, migration: { ...copy.migration, injectFaultAfter: 'cpoy' } };
    expect(faultPlanProblem(config)).toMatch(/"cpoy" is not a phase of the procedure/);
    expect(
      faultPlanProblem({ ...config, migration: { ...config.migration, injectFaultAfter: 'copy' } }),
    ).toBeUndefined();
  });

  it("never injects a fault into external hosts, whose other sessions are not shardmove's", async () => {
    const { config } = await loadConfig({
      flags: {
        provider: 'external',
        migration: { strategy: 'logical' },
        external: { proxy: 'postgresql://u@h1/p', old: 'postgresql://u@h2/p', new: 'postgresql://u@h3/p' },
      },
    });
    for (const [kind, phase] of [
      ['cut-replication', 'catch-up'],
      ['terminate-proxy-backends', 'freeze barrier'],
    ] as const) {
      const withFault = { ...config, migration: { ...config.migration, fault: { kind, phase } } };
      expect(faultPlanProblem(withFault)).toMatch(
        new RegExp(`the ${kind} fault needs the local or containers provider, not external`),
      );
    }
  });

  it('checks a fault against every provider auto may choose, and against the one a kept topology runs on', async () => {
    const { config } = await loadConfig({ flags: { provider: 'auto', migration: { strategy: 'copy' } } });
    const restart = {
      ...config,
      migration: { ...config.migration, fault: { kind: 'restart-old', phase: 'copy' } },
    } as const;
    expect(faultPlanProblem(restart)).toMatch(
      /needs the local provider, and --provider auto may choose containers/,
    );
    const kill = {
      ...config,
      migration: { ...config.migration, fault: { kind: 'kill-new', phase: 'copy' } },
    } as const;
    expect(faultPlanProblem(kill)).toBeUndefined();
    // `migrate` on a kept external topology: its flags said auto, the nodes are external.
    expect(faultPlanProblem(kill, 'external')).toMatch(
      /needs the local or containers provider, not external/,
    );
  });

  it('accepts only the six scripts, not what every object inherits', () => {
    expect(() => parseMix('constructor')).toThrow(ConfigError);
    expect(() => parseMix('toString@2')).toThrow(/unknown script/);
    expect(parseMix('insert_log@3,query_pk')).toEqual([
      { name: 'insert_log', weight: 3 },
      { name: 'query_pk', weight: 1 },
    ]);
  });
});

describe('flags', () => {
  it('takes the partition as --partition or --move-partition, and refuses the two disagreeing', async () => {
    expect((await configFromFlags({ partition: '5' })).config.topology.movePartition).toBe(5);
    expect((await configFromFlags({ 'move-partition': '6' })).config.topology.movePartition).toBe(6);
    expect(
      (await configFromFlags({ partition: '7', 'move-partition': '7' })).config.topology.movePartition,
    ).toBe(7);
    await expect(configFromFlags({ partition: '3', 'move-partition': '4' })).rejects.toThrow(/disagree/);
  });
});
