import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardmoveConfig } from '../../harness/config/config-types.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { type MovesThereAndBack, rehearseThereAndBack } from '../../harness/rehearsal/and-back.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { checkNamed } from '../../harness/verify/check.ts';
import { testConfig } from '../support/config.ts';
import { testProviders } from '../support/providers.ts';
import { databaseNames, loggedWrites, query } from '../support/sql.ts';
import { idTheLoadNeverDraws } from '../support/unused-id.ts';

const provider = testProviders()[0] ?? 'local';

/**
 * The rollback an operator rehearses before a real move: there, then back, under load, checked
 * both ways. One strategy: the move back is every strategy's own phases on the reversed
 * topology, and each strategy there and back costs CI four minutes on a slow host
 * (`shardmove run --strategy copy --and-back` is in docs/checks-and-verdicts.md).
 */
describe.each(['logical'] as const)(`--and-back with %s, tiny profile (${provider})`, (strategy) => {
  let topology: StartedTopology;
  let config: ShardmoveConfig;
  let moves: MovesThereAndBack;

  beforeAll(async () => {
    config = await testConfig(provider, {
      rehearsal: { andBack: true },
      migration: { strategy },
    });
    topology = await startTopology({ config, events: ignoreEvents });
    moves = await rehearseThereAndBack(topology, config, ignoreEvents);
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it('passes every check of both moves', () => {
    const failed = (checks: { name: string; passed: boolean; summary: string }[]) =>
      checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.summary}`);
    expect(failed(moves.there.checks)).toEqual([]);
    expect(moves.backSkipped).toBeUndefined();
    expect(failed(moves.back?.checks ?? [])).toEqual([]);
    expect(moves.back?.migration.outcome).toBe('completed');
  });

  it('reconciles the ledger over both moves: every write acknowledged in either is on old at the end', () => {
    const there = checkNamed(moves.there.checks, 'no acknowledged write lost')?.evidence;
    const back = checkNamed(moves.back?.checks ?? [], 'no acknowledged write lost')?.evidence;
    expect(there?.acknowledged).toBeGreaterThan(100);
    // The move back's count holds the move there's and its own.
    expect(back?.acknowledged).toBeGreaterThan((there?.acknowledged ?? 0) + 100);
    expect(back?.missing).toBe(0);
  });

  it('ends with p23 on old, read-write, and db23 on old only', async () => {
    expect(await databaseNames(topology.nodes.old.endpoint)).toContain('db23');
    expect(await databaseNames(topology.nodes.new.endpoint)).not.toContain('db23');
    const userid = idTheLoadNeverDraws(23);
    await query(topology.nodes.proxy.endpoint, 'proxy', 'select insert_log($1)', [userid]);
    expect(await loggedWrites(topology.nodes.old.endpoint, userid)).toBe(1);
  });
});
