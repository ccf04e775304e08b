import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ackedCounts,
  LedgerBuilder,
  ledgerBuffers,
  mergeLedgers,
  type PartitionLedger,
} from '../../harness/load/ledger.ts';
import type { PhaseResult } from '../../harness/migrate/phase-result.ts';
import { finishedCleanly, mayRollBack } from '../../harness/migrate/run-migration.ts';
import {
  type ServerIdentity,
  sameServer,
  versionProblem,
} from '../../harness/provision/external-provider.ts';
import { journalPath, readJournal, writeJournal } from '../../harness/state/migration-journal.ts';
import { acquireMigrationLock } from '../../harness/state/migration-lock.ts';
import { redactSetting } from '../../harness/topology/redact-settings.ts';

describe('after a failed migration, rollback only when the partition provably goes to old', () => {
  it('rolls back a failure before the switch', () => {
    expect(mayRollBack('not-run', undefined)).toBe(true);
  });
  it('keeps a failure after a switch that succeeded', () => {
    expect(mayRollBack('ok', undefined)).toBe(false);
  });
  it('asks the routing when the switch itself failed, and keeps everything when it cannot be read', () => {
    expect(mayRollBack('failed', 'old')).toBe(true);
    expect(mayRollBack('failed', 'new')).toBe(false);
    expect(mayRollBack('failed', 'elsewhere')).toBe(false);
    expect(mayRollBack('failed', 'unknown')).toBe(false);
  });
});

describe('two roles on one server', () => {
  const a: ServerIdentity = {
    systemIdentifier: '7311',
    dataDirectory: '/var/lib/pg/old',
    startedAt: '2026-11-29 10:00:00.123456+00',
    port: '5432',
  };
  it('is one server whatever the URI said, when the server says the same of itself', () => {
    expect(sameServer(a, { ...a })).toBe(true);
    expect(sameServer(a, { ...a, systemIdentifier: undefined, dataDirectory: undefined })).toBe(true);
  });
  it('is two servers when any fact differs: a standby shares the system identifier, not the start', () => {
    expect(sameServer(a, { ...a, startedAt: '2026-11-29 10:00:00.123457+00' })).toBe(false);
    expect(sameServer(a, { ...a, port: '5433' })).toBe(false);
    expect(sameServer(a, { ...a, dataDirectory: '/var/lib/pg/new' })).toBe(false);
    expect(sameServer(a, { ...a, systemIdentifier: '7312' })).toBe(false);
  });
  it('refuses PostgreSQL before 13, saying why', () => {
    expect(versionProblem('old', 120_011)).toMatch(/old: PostgreSQL 12 .* WITH \(FORCE\)/);
    expect(versionProblem('old', 130_000)).toBeUndefined();
  });
});

describe('the migration journal and lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shardmove-journal-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const journal = {
    topologyRunId: 'r1',
    migrationId: 'm1',
    partition: 23,
    strategy: 'copy' as const,
    startedAt: '2026-11-29T10:00:00Z',
    pid: 1234,
  };

  it('writes the journal whole, with no temporary file left beside it', async () => {
    await writeJournal(dir, journal);
    expect(await readJournal(dir)).toEqual({ version: 2, ...journal });
    expect(await readdir(dir)).toEqual(['migration.json']);
  });

  it('treats a torn or foreign journal as an error, never as "no migration"', async () => {
    await writeFile(journalPath(dir), '{"version": 2, "topologyRunId": "r1", "parti');
    await expect(readJournal(dir)).rejects.toThrow(/migration journal .* is unreadable/);
    await writeFile(journalPath(dir), JSON.stringify({ ...journal, version: 2, migrationId: 7 }));
    await expect(readJournal(dir)).rejects.toThrow(/no migrationId/);
  });

  it('reads a version-1 journal, which named no copy on new', async () => {
    const { migrationId: _, ...v1 } = journal;
    await writeFile(journalPath(dir), JSON.stringify({ version: 1, ...v1 }));
    expect(await readJournal(dir)).toEqual({ version: 2, ...v1, migrationId: '' });
  });

  it('lets one process at a time hold the lock, naming the holder to the other', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await writeFile(
        join(dir, 'migration.lock'),
        JSON.stringify({ pid: sleeper.pid, command: 'migrate', startedAt: 'earlier' }),
      );
      await expect(acquireMigrationLock(dir, 'migrate')).rejects.toThrow(
        new RegExp(`held by shardmove migrate \\(pid ${sleeper.pid}, started earlier\\)`),
      );
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.on('exit', r));
    }
    // Its holder is gone (kill -9): the lock is taken over.
    const lock = await acquireMigrationLock(dir, 'recover');
    await expect(acquireMigrationLock(dir, 'migrate')).rejects.toThrow(/held by shardmove recover/);
    await lock[Symbol.asyncDispose]();
    await (await acquireMigrationLock(dir, 'migrate'))[Symbol.asyncDispose]();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('recorded server settings', () => {
  it('never keep a password: connection strings lose it, commands go whole', () => {
    expect(
      redactSetting('primary_conninfo', "host=10.0.0.1 user=rep password='s3 cr\\'et' application_name=x"),
    ).toBe('host=10.0.0.1 user=rep password=[redacted] application_name=x');
    expect(redactSetting('primary_conninfo', 'host=a password=plain sslmode=require')).toBe(
      'host=a password=[redacted] sslmode=require',
    );
    expect(redactSetting('primary_conninfo', 'postgresql://rep:pw@db/x')).toBe(
      'postgresql://rep:[redacted]@db/x',
    );
    expect(redactSetting('archive_command', 'PGPASSWORD=pw rsync %p backup:/wal/%f')).not.toMatch(/pw/);
    expect(redactSetting('restore_command', 'cp /wal/%f %p')).toMatch(/redacted/);
    expect(redactSetting('shared_buffers', '128MB')).toBe('128MB');
  });
});

describe('the write ledger', () => {
  it('keeps 16 bytes per acknowledged write, whole, in the order written, and merges threads exactly', () => {
    const a = new LedgerBuilder(32);
    const b = new LedgerBuilder(32);
    for (let i = 0; i < 1_000_000; i++)
      (i % 2 ? a : b).acknowledged(23, 23 + 32 * i, 1_700_000_000_000 + i, i % 1000);
    a.rejected(23, 5);
    b.indeterminate(7, 7, 6);
    const parts = [a.finish(), b.finish()];
    const [p23] = mergeLedgers(32, parts).slice(23);
    expect(p23?.ackedIds.length).toBe(1_000_000);
    expect(
      (p23?.ackedIds.byteLength ?? 0) +
        (p23?.ackedAt.byteLength ?? 0) +
        (p23?.ackedLatencyMillis.byteLength ?? 0),
    ).toBe(16_000_000);
    // Each write's latency travels with it through the merge: a (first) took the odd ones.
    expect(p23?.ackedLatencyMillis[1]).toBe(3);
    expect(p23?.ackedIds[1]).toBe(23 + 32 * 3);
    expect(ackedCounts(p23 as PartitionLedger).get(23 + 32 * 999_999)).toBe(1);
    expect([...(p23?.rejectedAt ?? [])]).toEqual([5]);
    expect([...(mergeLedgers(32, parts)[7]?.indeterminateIds ?? [])]).toEqual([7]);
  });

  it('hands its buffers over whole: what a thread transfers is exactly its ledger', () => {
    const builder = new LedgerBuilder(2);
    builder.acknowledged(1, 33, 1, 2);
    const ledger = builder.finish();
    const transfer = ledgerBuffers(ledger);
    // Two partitions of six columns each, every one a buffer of its own.
    expect(transfer).toHaveLength(12);
    expect(transfer).toContain(ledger[1]?.ackedIds.buffer);
    expect(transfer).toContain(ledger[1]?.ackedLatencyMillis.buffer);
    expect(new Set(transfer).size).toBe(12);
  });
});

describe('the journal of a finished migrate', () => {
  const base = {
    strategy: 'copy' as const,
    partition: 23,
    logs: 'migrate' as const,
    phases: [] as PhaseResult[],
    marks: {},
    state: '',
  };
  const step = (name: 'unfreeze on old' | 'drop replication', status: 'ok' | 'failed'): PhaseResult =>
    status === 'ok'
      ? { name, status, startedAt: 0, endedAt: 1, evidence: {} }
      : { name, status, startedAt: 0, endedAt: 1, error: 'x', evidence: {} };
  it('goes only when nothing is left to do: moved, or rolled back with every step done', () => {
    expect(finishedCleanly({ ...base, outcome: 'completed', rollback: [] })).toBe(true);
    expect(
      finishedCleanly({ ...base, outcome: 'rolled-back', rollback: [step('unfreeze on old', 'ok')] }),
    ).toBe(true);
    expect(
      finishedCleanly({
        ...base,
        outcome: 'rolled-back',
        rollback: [step('unfreeze on old', 'ok'), step('drop replication', 'failed')],
      }),
    ).toBe(false);
    expect(finishedCleanly({ ...base, outcome: 'failed-after-switch', rollback: [] })).toBe(false);
  });
});
