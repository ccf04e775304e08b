import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../harness/secret.ts';
import { recordExternalRun, recordedExternalRuns } from '../../harness/state/external-runs.ts';
import { acquireMigrationLock } from '../../harness/state/migration-lock.ts';
import { readState } from '../../harness/state/state-file.ts';
import { finishExternalRuns } from '../../harness/topology/stop-kept.ts';
import { currentProcess, identityOf, livenessOf } from '../../harness/util/process-identity.ts';

const root = new URL('../../', import.meta.url).pathname;
const child = (script: string, args: string[]): ChildProcess =>
  spawn(process.execPath, [join(root, 'bin/run-ts.js'), join(root, 'test/unit/children', script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
const output = (c: ChildProcess): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    c.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
    });
    c.on('exit', () => resolve(text));
  });
const firstLine = (c: ChildProcess): Promise<void> =>
  new Promise((resolve) => c.stdout?.once('data', () => resolve()));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardmove-state-safety-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('who holds a lock or runs a move: more than a pid', () => {
  it('tells this process from another that has its pid but started at another time', () => {
    const me = currentProcess();
    expect(livenessOf(me)).toBe('alive');
    // A restarted container's pid 1, or a reused pid: same number, another process.
    expect(livenessOf({ ...me, startTicks: me.startTicks + 1 })).toBe('gone');
    expect(livenessOf({ ...me, bootId: 'another-boot' })).toBe('gone');
    expect(livenessOf({ ...me, host: `${me.host}-elsewhere` })).toBe('elsewhere');
  });

  it('takes over a lock whose pid is alive but belongs to another process', async () => {
    const me = currentProcess();
    await writeFile(
      join(dir, 'migration.lock'),
      JSON.stringify({
        ...me,
        startTicks: me.startTicks - 1,
        command: 'migrate',
        startedAt: 'before a restart',
      }),
    );
    const lock = await acquireMigrationLock(dir, 'recover');
    expect(lock.holder.startTicks).toBe(me.startTicks);
    await lock[Symbol.asyncDispose]();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a lock taken on another host, saying it cannot see that host', async () => {
    const me = currentProcess();
    await writeFile(
      join(dir, 'migration.lock'),
      JSON.stringify({ ...me, host: 'ci-runner-7', command: 'migrate', startedAt: 'earlier' }),
    );
    await expect(acquireMigrationLock(dir, 'recover')).rejects.toThrow(
      /held by shardmove migrate \(pid \d+ on ci-runner-7/,
    );
  });

  it('lets exactly one of eight processes take over a dead holder’s lock at once', async () => {
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.on('exit', r));
    await writeFile(
      join(dir, 'migration.lock'),
      JSON.stringify({
        ...identityOf(dead.pid ?? 0),
        pid: dead.pid,
        command: 'migrate',
        startedAt: 'earlier',
      }),
    );
    const startAt = Date.now() + 3000;
    const release = join(dir, 'release');
    const racers = Array.from({ length: 8 }, () => child('take-lock.ts', [dir, String(startAt), release]));
    const outputs = racers.map(output);
    // The one that took it holds it until every racer has had its go, however slow this host.
    await Promise.all(racers.map(firstLine));
    await writeFile(release, '');
    const said = (await Promise.all(outputs)).map((s) => s.trim());
    expect(said.filter((s) => s === 'held')).toHaveLength(1);
    expect(said.filter((s) => s === 'refused')).toHaveLength(7);
  }, 30_000);
});

describe('the state file', () => {
  it('is never torn by a kill -9 while it is written', async () => {
    for (let round = 0; round < 8; round++) {
      const writer = child('write-state.ts', [dir]);
      await firstLine(writer);
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 250));
      writer.kill('SIGKILL');
      await new Promise((r) => writer.on('exit', r));
      const text = await readFile(join(dir, 'state.json'), 'utf8').catch(() => undefined);
      if (text !== undefined) expect((await readState(dir))?.runId).toMatch(/^sm-\d+$/);
    }
  }, 60_000);
});

describe('`down` and an external run', () => {
  const unreachable = {
    host: '127.0.0.1',
    port: 1,
    user: 'u',
    password: new Secret('pw'),
    database: 'postgres',
  };

  it('leaves alone a run whose process still runs, touching none of its hosts', async () => {
    await recordExternalRun(dir, 'sm-live', { proxy: unreachable, old: unreachable, new: unreachable });
    expect((await recordedExternalRuns(dir))[0]?.owner).toEqual(currentProcess());
    // Its hosts do not answer: a `down` that tried to drop anything there would fail.
    const report = await finishExternalRuns(dir, 500);
    expect(report).toEqual([expect.stringMatching(/^external run sm-live: still running \(pid \d+/)]);
    expect(await readdir(join(dir, 'external-runs'))).toHaveLength(2);
  });
});
