import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardmoveConfig } from '../../harness/config/config-types.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { migrationContext } from '../../harness/migrate/migration-context.ts';
import { partitionHome } from '../../harness/migrate/partition-target.ts';
import { phase } from '../../harness/migrate/phase-result.ts';
import { recoverMigration } from '../../harness/migrate/recover-migration.ts';
import { localPoolerDir, withPoolerAdmin } from '../../harness/provision/pooler-control.ts';
import { databasePaused } from '../../harness/provision/pooler-hold.ts';
import type { RehearsalResult } from '../../harness/rehearsal/rehearsal-result.ts';
import { rehearse } from '../../harness/rehearsal/run-rehearsal.ts';
import { heldSwitchLines } from '../../harness/report/held-switch-lines.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { checkNamed } from '../../harness/verify/check.ts';
import { testScenarioConfig } from '../support/config.ts';
import { query } from '../support/sql.ts';
import { ciSize } from '../support/suite-config.ts';

const rejectedAnywhere = (result: RehearsalResult) =>
  result.load.ledger.reduce((n, p) => n + p.rejectedAt.length, 0);

const p23Errors = (result: RehearsalResult) =>
  result.load.errors.samples.filter((e) => e.partition === 23).reduce((n, e) => n + e.count, 0);

/**
 * pgbouncer's own word on the 15-second refusal: it logs each client it turns away
 * ("server login has been failing") and each server closed mid-login.
 */
const loginFailures = async (topology: StartedTopology) => {
  const handle = topology.handle;
  if (handle?.provider !== 'local') throw new Error('the pooler log is read from the local provider');
  const log = await readFile(join(localPoolerDir(handle.baseDir), 'pgbouncer.log'), 'utf8');
  return log.split('\n').filter((l) => /login has been failing|server_login_retry|login failed/i.test(l));
};

// One topology, the hold that gives up first (it leaves p23 where it was), then the one that moves.
describe('a held switch through pgbouncer (local)', () => {
  let topology: StartedTopology;
  let config: ShardmoveConfig;
  let gaveUp: RehearsalResult;
  let moved: RehearsalResult;
  let homeAfterGivingUp: Awaited<ReturnType<typeof partitionHome>>;

  beforeAll(async () => {
    config = await testScenarioConfig('logical-db23-hold', {
      ...ciSize,
      provider: 'local',
    });
    topology = await startTopology({ config, events: ignoreEvents });
    const faulted = await testScenarioConfig('fault-pause-new-during-hold', {
      ...ciSize,
      provider: 'local',
    });
    gaveUp = await rehearse(topology, faulted, ignoreEvents);
    homeAfterGivingUp = await partitionHome(
      migrationContext(config, topology.nodes, topology.runId, ignoreEvents),
    );
    moved = await rehearse(topology, config, ignoreEvents);
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it('gives up at the deadline while new is stopped: resumed on old, rolled back, nothing rejected or lost', () => {
    const m = gaveUp.migration;
    expect(m.fault?.injected).toBe(true);
    expect(m.outcome).toBe('rolled-back');
    const catchUp = phase(m.phases, 'catch-up');
    expect(catchUp?.status === 'failed' && catchUp.error).toMatch(/deadline \(3000 ms\) passed/);
    // Given up at the deadline, not when new came back (5 s).
    expect(catchUp?.status === 'failed' && catchUp.endedAt - catchUp.startedAt).toBeLessThan(4500);
    expect(m.rollback.map((p) => [p.name, p.status])).toEqual([
      ['unfreeze on old', 'ok'],
      ['release', 'ok'],
      ['drop replication', 'ok'],
      ['drop the copy on new', 'ok'],
    ]);
    expect(rejectedAnywhere(gaveUp)).toBe(0);
    expect(p23Errors(gaveUp)).toBe(0);
    const rejection = checkNamed(gaveUp.checks, 'write rejection');
    expect(rejection?.passed).toBe(true);
    // The held writes waited out the deadline: the hold really held them until it gave up.
    expect(rejection?.evidence.held?.stalls.maxMillis).toBeGreaterThanOrEqual(3000);
    expect(checkNamed(gaveUp.checks, 'no acknowledged write lost')?.passed).toBe(true);
    expect(checkNamed(gaveUp.checks, 'fault invariants')?.passed).toBe(true);
    expect([homeAfterGivingUp.home, homeAfterGivingUp.readOnly]).toEqual(['old', false]);
  });

  it('moves p23 with no write rejected on any partition, every check passing, the stalls reported', () => {
    const m = moved.migration;
    expect(m.outcome).toBe('completed');
    expect(moved.checks.filter((c) => !c.passed).map((c) => c.summary)).toEqual([]);
    expect(rejectedAnywhere(moved)).toBe(0);
    expect(p23Errors(moved)).toBe(0);
    const sw = phase(m.phases, 'switch');
    expect(sw?.status === 'ok' && sw.evidence.resumed).toBe(true);
    const fill = phase(m.phases, 'fill pool');
    expect(fill?.status === 'ok' && fill.evidence.servers).toBe(
      fill?.status === 'ok' && fill.evidence.poolSize,
    );
    const stalls = checkNamed(moved.checks, 'write rejection')?.evidence.held?.stalls;
    expect(stalls?.calls).toBeGreaterThan(0);
    expect(stalls?.buckets.reduce((a, b) => a + b, 0)).toBe(stalls?.calls);
    // metrics are kept to the millisecond; the stall itself may be fractional (392.5 ms)
    expect(moved.metrics.moved_stall_max_s).toBe(
      Number(((stalls?.maxMillis ?? Number.NaN) / 1000).toFixed(3)),
    );
    expect(moved.metrics.rejected_writes).toBe(0);
    const section = heldSwitchLines(moved).join('\n');
    expect(section).toContain('## Held switch: how long writes waited');
    expect(section).toContain(`longest ${stalls?.maxMillis} ms`);
  });

  it('leaves db23 resumed on new, and pgbouncer never refused a login in either run', async () => {
    const context = migrationContext(config, topology.nodes, topology.runId, ignoreEvents);
    const where = await partitionHome(context);
    expect([where.home, where.readOnly]).toEqual(['new', false]);
    const pooler = topology.nodes.proxy.pooler;
    if (!pooler) throw new Error('no pooler');
    expect(await withPoolerAdmin(pooler, 10_000, (admin) => databasePaused(admin, 'db23'))).toBe(false);
    expect(await loginFailures(topology)).toEqual([]);
  });

  it('recovers a harness killed inside the held switch, after the retarget and before RESUME: db23 resumed on new', async () => {
    const pooler = topology.nodes.proxy.pooler;
    if (!pooler) throw new Error('no pooler');
    // What the kill leaves: the pooler's file and its RELOAD name new, db23 still paused.
    await withPoolerAdmin(pooler, 10_000, (admin) => admin.query('pause db23'));
    const context = migrationContext(config, topology.nodes, topology.runId, ignoreEvents, topology.handle);
    const recovery = await recoverMigration(context);
    expect(recovery.found).toBe('p23 on new, read-write');
    expect(recovery.action).toBe('completed');
    expect(await withPoolerAdmin(pooler, 10_000, (admin) => databasePaused(admin, 'db23'))).toBe(false);
    // Answered, not held: userid 23 is on p23.
    const rows = await query(
      topology.nodes.proxy.endpoint,
      config.topology.proxyDatabase,
      'select * from query_pk(23)',
    );
    expect(rows).toHaveLength(1);
  });
});
