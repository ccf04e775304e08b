import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatConninfo, formatDsn, parseDsn, redactDsn } from '../../harness/config/dsn.ts';
import { loadConfig } from '../../harness/config/load-config.ts';
import { ConfigError } from '../../harness/errors.ts';
import { childEnvironment } from '../../harness/lifecycle/run-command.ts';
import { redactedConfig } from '../../harness/report/run-document.ts';
import { Secret } from '../../harness/secret.ts';
import { readPgpass, writePgpass } from '../../harness/state/pgpass.ts';

describe('credentials never leak', () => {
  it('a Secret prints as [redacted] in JSON, strings, inspect and spreads', () => {
    const secret = new Secret('hunter2');
    const holder = { password: secret };
    expect(JSON.stringify(holder)).toBe('{"password":"[redacted]"}');
    expect(`${secret}`).toBe('[redacted]');
    expect(inspect(holder)).not.toContain('hunter2');
    expect(Object.keys({ ...secret })).toEqual([]);
    expect(secret.reveal()).toBe('hunter2');
  });

  it('parses a URI and formats it back without the password', () => {
    const endpoint = parseDsn('postgresql://digoal:p%40ss@127.0.0.1:5433/proxy', 'test');
    expect(endpoint).toMatchObject({ host: '127.0.0.1', port: 5433, user: 'digoal', database: 'proxy' });
    expect(endpoint.password?.reveal()).toBe('p@ss');
    expect(formatDsn(endpoint)).toBe('postgresql://digoal@127.0.0.1:5433/proxy');
    expect(redactDsn('postgres://u:topsecret@h/db')).toBe('postgres://u:[redacted]@h/db');
  });

  it('redacts a malformed URI whose unescaped password holds / or @', () => {
    for (const password of ['to/p', 'p@ss', 'a/b@c:d', 'x@y/z@w']) {
      const redacted = redactDsn(`postgresql://digoal:${password}@db.example:5432/proxy`);
      expect(redacted).toBe('postgresql://digoal:[redacted]@db.example:5432/proxy');
      expect(redacted).not.toContain(password);
    }
  });

  it('redacts a password in every shape a user may type one (issue 33, item 5)', () => {
    const shapes = [
      'host=h password=pw5 user=u',
      "host=h password='p w5' user=u",
      'host=h PASSWORD = pw5',
      'postgres//u:pw5@h/db',
      'postgres:/u:pw5@h/db',
      'u:pw5@h:5432/db',
      'postgres://u@h/db?sslmode=require&password=pw5',
      'host=h sslpassword=pw5',
    ];
    for (const shape of shapes) expect(redactDsn(shape), shape).not.toMatch(/pw5|p w5/);
    // Where a string leads stays readable.
    expect(redactDsn('host=h password=pw5 user=u')).toBe('host=h password=[redacted] user=u');
    expect(redactDsn('postgres://h:5432/db')).toBe('postgres://h:5432/db');
  });

  it('echoes no password of a malformed keyword=value or scheme-less URI in a config error', async () => {
    for (const dsn of ['host=h password=pw5', 'postgres//u:pw5@h/db']) {
      const error = await loadConfig({
        flags: {
          provider: 'external',
          external: { proxy: dsn, old: 'postgres://u@h/db', new: 'postgres://u@h/db' },
        },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message) + String((error as ConfigError).hint ?? '')).not.toContain(
        'pw5',
      );
    }
  });

  it("gives child processes no password: neither the targets' URIs nor PGPASSWORD", () => {
    const env = childEnvironment({
      PATH: '/usr/bin',
      PGPASSWORD: 'hunter2',
      SHARDMOVE_OLD_URL: 'postgresql://u:hunter2@h/db',
      SHARDMOVE_PROXY_URL: 'postgresql://u:hunter2@h/db',
      SHARDMOVE_PROVIDER: 'local',
    });
    expect(env).toEqual({ PATH: '/usr/bin', SHARDMOVE_PROVIDER: 'local' });
  });

  it('writes a mode-0600 pgpass file that libpq escaping reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shardmove-unit-'));
    try {
      const path = join(dir, 'x.pgpass');
      const endpoint = { host: '127.0.0.1', port: 5433, user: 'digoal', database: 'proxy' };
      await writePgpass(path, [{ ...endpoint, password: new Secret('a:b\\c') }]);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(await readFile(path, 'utf8')).toBe('127.0.0.1:5433:*:digoal:a\\:b\\\\c\n');
      expect((await readPgpass(path, endpoint))?.reveal()).toBe('a:b\\c');
      expect(await readPgpass(path, { ...endpoint, port: 1 })).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('quotes libpq connstring values that need it', () => {
    expect(
      formatConninfo([
        ['host', 'old'],
        ['options', '-c default_transaction_read_only=true'],
        ['x', "it's"],
      ]),
    ).toBe("host=old options='-c default_transaction_read_only=true' x='it\\'s'");
  });
});

describe('the config run.json records', () => {
  it("keeps no password from the user's server settings", async () => {
    const { config } = await loadConfig({
      flags: {
        server: {
          backend: { primary_conninfo: 'host=standby user=rep password=s3cret-setting', work_mem: '64MB' },
          proxy: { archive_command: 'PGPASSWORD=s3cret-cmd pg_receivewal' },
        },
      },
    });
    const text = JSON.stringify(redactedConfig(config));
    expect(text).not.toContain('s3cret');
    expect(text).toContain('host=standby user=rep password=[redacted]');
    expect(text).toContain('"work_mem":"64MB"');
  });
});
