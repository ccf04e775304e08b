import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeptTopology } from '../../harness/topology/kept-topology.ts';
import { exec, runCli, startCli } from '../support/cli.ts';
import { leftovers } from '../support/leftovers.ts';
import { testProviders } from '../support/providers.ts';
import { query } from '../support/sql.ts';

let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'shardmove-test-state-'));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe.each(testProviders())('shardmove up --keep / down on the %s provider', (provider) => {
  it('prints libpq URIs and a pgpass file that psql and pgbench use as is, and down leaves nothing', async () => {
    const before = await leftovers();
    const up = await runCli([
      'up',
      '--provider',
      provider,
      '--profile',
      'tiny',
      '--keep',
      '--json',
      '--state-dir',
      stateDir,
    ]);
    expect(up.stderr).not.toMatch(/error/i);
    expect(up.code).toBe(0);
    const info = JSON.parse(up.stdout) as Record<string, string>;
    expect(Object.keys(info)).toEqual(['provider', 'proxy', 'old', 'new', 'pgpass']);
    expect(info.provider).toBe(provider);
    for (const role of ['proxy', 'old', 'new']) {
      expect(info[role]).toMatch(/^postgresql:\/\/digoal@127\.0\.0\.1:\d+\/\w+$/);
    }
    expect((await stat(info.pgpass as string)).mode & 0o777).toBe(0o600);

    const env = { ...process.env, PGPASSFILE: info.pgpass };
    const psql = await exec('psql', [info.proxy as string, '-Atc', 'select dbid, userid from query_pk(23)'], {
      env,
    });
    expect(psql.stdout.trim()).toBe('23|23');
    // The seed's workload, as the article runs it: pgbench -M prepared against the proxy.
    const script = join(stateDir, 'insert_log.sql');
    await writeFile(script, '\\set id random(1, 32000000)\nselect insert_log(:id);\n');
    const bench = await exec(
      'pgbench',
      ['-n', '-M', 'prepared', '-c', '2', '-t', '50', '-f', script, info.proxy as string],
      {
        env,
      },
    );
    expect(bench.stdout).toMatch(/number of transactions actually processed: 100\/100/);
    const logged = await exec(
      'psql',
      [
        info.proxy as string,
        '-Atc',
        'select sum(n) from dy($$select count(*) from digoal.login_log$$) as t(n bigint)',
      ],
      { env },
    );
    expect(logged.stdout.trim()).toBe('100');
    await rm(script);

    const down = await runCli(['down', '--state-dir', stateDir]);
    expect(down.code).toBe(0);
    expect(await readdir(stateDir)).toEqual([]);
    expect(await leftovers()).toEqual(before);
  });
});

/** A kept local tiny-profile topology for fn, stopped afterwards, with nothing left behind. */
async function withKeptLocalTopology(fn: () => Promise<void>): Promise<void> {
  const before = await leftovers();
  const up = await runCli([
    'up',
    '--provider',
    'local',
    '--profile',
    'tiny',
    '--keep',
    '--state-dir',
    stateDir,
  ]);
  expect(up.code).toBe(0);
  try {
    await fn();
  } finally {
    expect((await runCli(['down', '--state-dir', stateDir])).code).toBe(0);
  }
  expect(await leftovers()).toEqual(before);
}

describe('shardmove migrate / verify on a kept topology', () => {
  it('moves p23, verifies it, drops old only when asked, and refuses to move it twice', async () => {
    await withKeptLocalTopology(async () => {
      const early = await runCli(['verify', '--state-dir', stateDir]);
      expect(early.code).toBe(1);
      expect(early.stdout).toMatch(/^ {2}FAIL routing: p23 goes to old, read-write$/m);

      const preflight = await runCli(['preflight', '--strategy', 'copy', '--json', '--state-dir', stateDir]);
      expect(preflight.code, preflight.stdout + preflight.stderr).toBe(0);
      const readiness = JSON.parse(preflight.stdout) as {
        go: boolean;
        items: { cause: string; answer: string }[];
      };
      expect(readiness.go).toBe(true);
      expect(readiness.items.map((i) => i.cause)).toContain('open transactions');
      const crowded = await runCli(['preflight', '--proxy-backends', '100000', '--state-dir', stateDir]);
      expect(crowded.code).toBe(1);
      expect(crowded.stdout).toMatch(/^NO-GO: moving db23 with seed$/m);
      expect(crowded.stdout).toMatch(/NO-GO connections on new: /);

      // The partition's lock on old lost mid-move (its session ended: an old restart, a
      // network drop): the move stops at its next phase and, before the switch, rolls back.
      const { nodes } = await openKeptTopology(stateDir);
      const unguarded = startCli(['migrate', '--strategy', 'copy', '--state-dir', stateDir]);
      let terminated: Promise<unknown> | undefined;
      unguarded.child.stderr?.on('data', (d: Buffer) => {
        if (!terminated && /\] prepare new: started/.test(d.toString()))
          terminated = query(
            nodes.old.endpoint,
            'postgres',
            `select pg_terminate_backend(pid) from pg_stat_activity where application_name like 'shardmove migrate pid %'`,
          );
      });
      const stopped = await unguarded.done;
      await terminated;
      expect(stopped.code).toBe(1);
      expect(stopped.stdout).toMatch(/failed: the lock on db23 held on old was lost \(its session/);
      expect(stopped.stdout).toMatch(/^rolled-back: p23 on old, read-write again/m);

      const migrate = await runCli([
        'migrate',
        '--strategy',
        'copy',
        '--partition',
        '23',
        '--state-dir',
        stateDir,
      ]);
      expect(migrate.stderr).not.toMatch(/error/i);
      expect(migrate.code).toBe(0);
      expect(migrate.stdout).toMatch(/^ {2}switch +\d+\.\d s {2}ok$/m);
      expect(migrate.stdout).toMatch(/^completed: p23 on new, read-write/m);

      const verify = await runCli(['verify', '--json', '--state-dir', stateDir]);
      expect(verify.code).toBe(0);
      const { checks } = JSON.parse(verify.stdout) as { checks: Array<{ name: string; passed: boolean }> };
      expect(checks.map((c) => [c.name, c.passed])).toEqual([
        ['routing', true],
        ['read through the proxy', true],
        ['parity with old', true],
      ]);

      // A migrate killed after the switch leaves its journal: old's copy is what recover
      // works from, so --drop-old refuses until recover has run.
      const { runId } = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as { runId: string };
      const killed = {
        version: 2,
        topologyRunId: runId,
        migrationId: 'c0ffee00',
        partition: 23,
        strategy: 'copy',
        startedAt: new Date().toISOString(),
        pid: spawnSync('true').pid,
      };
      await writeFile(join(stateDir, 'migration.json'), JSON.stringify(killed));
      const refused = await runCli(['verify', '--drop-old', '--state-dir', stateDir]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /old's db23 is not dropped: a migration of p23 .* recover needs old's copy/,
      );
      const recover = await runCli(['recover', '--state-dir', stateDir]);
      expect(recover.code, recover.stderr).toBe(0);
      expect(recover.stdout).toMatch(/^completed: p23 on new, read-write/m);

      const drop = await runCli(['verify', '--drop-old', '--state-dir', stateDir]);
      expect(drop.code).toBe(0);
      expect(drop.stdout).toMatch(/^ {2}drop old: ok$/m);
      const after = await runCli(['verify', '--state-dir', stateDir]);
      expect(after.code).toBe(0);
      expect(after.stdout).toMatch(/parity with old: db23 no longer exists on old/);

      const again = await runCli(['migrate', '--state-dir', stateDir]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/p23 is on new, not on old read-write: nothing to move/);
    });
  });
});

describe('two migrates started together on one kept topology', () => {
  it('runs one and refuses the other, naming the lock holder; p23 ends read-write on new; recover leaves a foreign or live journal alone', async () => {
    await withKeptLocalTopology(async () => {
      const args = ['migrate', '--strategy', 'copy', '--state-dir', stateDir];
      const [a, b] = await Promise.all([runCli(args), runCli(args)]);
      const results = [a, b].sort((x, y) => (x.code ?? 9) - (y.code ?? 9));
      expect(results.map((r) => r.code)).toEqual([0, 1]);
      expect(results[0]?.stdout).toMatch(/^completed: p23 on new, read-write/m);
      expect(results[1]?.stderr).toMatch(
        /the migration lock is held by shardmove migrate \(pid \d+ on \S+, started |db23 is being moved by another process: shardmove migrate pid \d+/,
      );
      const verify = await runCli(['verify', '--state-dir', stateDir]);
      expect(verify.code, verify.stdout).toBe(0);

      // recover touches only a journal of this topology, left by a process that has stopped.
      const journal = {
        version: 2,
        topologyRunId: 'sm-another-topology',
        migrationId: 'feedbeef',
        partition: 22,
        strategy: 'copy',
        startedAt: '2026-11-29T10:00:00Z',
        pid: 1,
      };
      await writeFile(join(stateDir, 'migration.json'), JSON.stringify(journal));
      const foreign = await runCli(['recover', '--state-dir', stateDir]);
      expect(foreign.code).toBe(1);
      expect(foreign.stderr).toMatch(
        /the migration journal belongs to topology sm-another-topology, but the kept topology is sm-/,
      );
      const { runId } = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as { runId: string };
      await writeFile(
        join(stateDir, 'migration.json'),
        JSON.stringify({ ...journal, topologyRunId: runId, pid: process.pid }),
      );
      const running = await runCli(['recover', '--state-dir', stateDir]);
      expect(running.code).toBe(1);
      expect(running.stderr).toMatch(
        new RegExp(`the migration of p22 is still running \\(pid ${process.pid}`),
      );
      await rm(join(stateDir, 'migration.json'));
    });
  });
});

describe.each(['SIGKILL', 'SIGINT'] as const)('shardmove recover after %s mid-migration', (signal) => {
  it('finds the interrupted migration, rolls it back, and migrate works again', async () => {
    await withKeptLocalTopology(async () => {
      const { child, done } = startCli(['migrate', '--strategy', 'seed', '--state-dir', stateDir]);
      child.stderr?.on('data', (d: Buffer) => {
        // Inside the freeze: p23 is read-only on old and new's copy is half made.
        if (/\] refresh: started/.test(d.toString())) child.kill(signal);
      });
      const interrupted = await done;
      // SIGINT is handled: the process stops what it runs and exits 130, the kept topology
      // and the journal stay; SIGKILL leaves it no say.
      if (signal === 'SIGKILL') expect(interrupted.signal).toBe('SIGKILL');
      else expect(interrupted.code).toBe(130);

      const blocked = await runCli(['migrate', '--state-dir', stateDir]);
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toMatch(/a migration of p23 \(seed, started .*\) was interrupted/);
      expect(blocked.stderr).toMatch(/run `shardmove recover` first/);

      const recover = await runCli(['recover', '--state-dir', stateDir]);
      expect(recover.stdout).toMatch(/^found: p23 on old, frozen read-only/m);
      expect(recover.stdout).toMatch(/^rolled back: p23 on old, read-write; new's copy dropped$/m);
      expect(recover.code).toBe(0);
      expect((await runCli(['recover', '--state-dir', stateDir])).stdout).toMatch(/^nothing to recover/);

      const again = await runCli(['migrate', '--strategy', 'copy', '--state-dir', stateDir]);
      expect(again.code).toBe(0);
      expect((await runCli(['verify', '--state-dir', stateDir])).code).toBe(0);
    });
  });
});

describe('shardmove recover after kill -9 past the switch', () => {
  it('finds the move done and ties its loose ends: replication dropped, parity with old, old kept', async () => {
    await withKeptLocalTopology(async () => {
      const { child, done } = startCli(['migrate', '--strategy', 'logical', '--state-dir', stateDir]);
      child.stderr?.on('data', (d: Buffer) => {
        // p23 already routes to new; the subscription and publication are still there.
        if (/\] detach: started/.test(d.toString())) child.kill('SIGKILL');
      });
      expect((await done).signal).toBe('SIGKILL');

      const recover = await runCli(['recover', '--state-dir', stateDir]);
      expect(recover.stdout).toMatch(/^found: p23 on new, read-write/m);
      expect(recover.stdout).toMatch(/^completed: p23 on new, read-write; db23 kept on old/m);
      expect(recover.code).toBe(0);
      const verify = await runCli(['verify', '--state-dir', stateDir]);
      expect(verify.code, verify.stdout).toBe(0);
      expect((await runCli(['recover', '--state-dir', stateDir])).stdout).toMatch(/^nothing to recover/);
    });
  });
});

describe('bad input', () => {
  it('rejects a bad flag or config value with one clear message and touches nothing', async () => {
    const before = await leftovers();
    const notPowerOfTwo = await runCli([
      'up',
      '--provider',
      'local',
      '--partitions',
      '12',
      '--state-dir',
      stateDir,
    ]);
    expect(notPowerOfTwo.code).toBe(2);
    expect(notPowerOfTwo.stderr.trim()).toBe(
      "shardmove up: 'topology.partitions' must be a power of two (PL/Proxy routes by hash & (n-1)), got 12",
    );
    const unknownFlag = await runCli(['up', '--provder', 'local']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/^shardmove up: Unknown option '--provder'/);
    const unknownCommand = await runCli(['upp']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/^shardmove: unknown command 'upp'/);
    const faultOutsideStrategy = await runCli([
      'run',
      'fault-restart-old-during-pre-copy',
      '--strategy',
      'logical',
    ]);
    expect(faultOutsideStrategy.code).toBe(2);
    expect(faultOutsideStrategy.stderr).toMatch(
      /'migration\.fault\.phase' "pre-copy" is not a phase of the procedure \(readiness, prepare new, publish,/,
    );
    const faultOutOfReach = await runCli([
      'run',
      'fault-restart-old-during-pre-copy',
      '--provider',
      'containers',
    ]);
    expect(faultOutOfReach.code).toBe(2);
    expect(faultOutOfReach.stderr).toContain(
      'the restart-old fault needs the local provider, not containers',
    );
    expect(await leftovers()).toEqual(before);
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('refuses a second up --keep while one is kept', async () => {
    const first = await runCli([
      'up',
      '--provider',
      'local',
      '--profile',
      'none',
      '--keep',
      '--state-dir',
      stateDir,
    ]);
    expect(first.code).toBe(0);
    try {
      const second = await runCli([
        'up',
        '--provider',
        'local',
        '--profile',
        'none',
        '--keep',
        '--state-dir',
        stateDir,
      ]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/a kept topology is already running \(run sm-[\w-]+, local\)/);
    } finally {
      expect((await runCli(['down', '--state-dir', stateDir])).code).toBe(0);
    }
  });
});
