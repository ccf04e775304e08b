import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardmoveConfig } from '../../harness/config/config-types.ts';
import { ignoreEvents } from '../../harness/events.ts';
import { faultPlanProblem } from '../../harness/faults/fault-plan.ts';
import type { FaultAnnotation } from '../../harness/faults/inject-fault.ts';
import { migrationContext } from '../../harness/migrate/migration-context.ts';
import { partitionHome } from '../../harness/migrate/partition-target.ts';
import type { RehearsalResult } from '../../harness/rehearsal/rehearsal-result.ts';
import { rehearse } from '../../harness/rehearsal/run-rehearsal.ts';
import { type StartedTopology, startTopology } from '../../harness/topology/start-topology.ts';
import { testScenarioConfig } from '../support/config.ts';
import { leftovers } from '../support/leftovers.ts';
import { testProviders } from '../support/providers.ts';
import { query } from '../support/sql.ts';

const provider = testProviders()[0] ?? 'local';
const scenarios = (await readdir(join(import.meta.dirname, '../../scenarios')))
  .filter((f) => f.startsWith('fault-'))
  .sort();

/** What each fault must lead to. */
const expected: Record<string, 'completed' | 'rolled-back'> = {
  'fault-cut-replication-during-catch-up': 'completed',
  'fault-kill-new-during-copy': 'rolled-back',
  'fault-pause-new-during-hold': 'rolled-back',
  'fault-pause-old-during-pre-copy': 'completed',
  'fault-restart-old-during-pre-copy': 'rolled-back',
  'fault-terminate-proxy-backends-after-freeze': 'completed',
};

it('has an expected outcome for every fault scenario', () => {
  expect(scenarios).toEqual(Object.keys(expected).sort());
});

describe.each(scenarios)(`%s, tiny profile (${provider})`, (scenario) => {
  let topology: StartedTopology;
  let config: ShardmoveConfig;
  let result: RehearsalResult;
  let before: Awaited<ReturnType<typeof leftovers>>;

  beforeAll(async () => {
    before = await leftovers();
    config = await testScenarioConfig(scenario, { provider });
    // A fault only one provider can inject (restart-old) runs on the provider its scenario names.
    if (faultPlanProblem(config)) config = await testScenarioConfig(scenario);
    topology = await startTopology({ config, events: ignoreEvents });
    result = await rehearse(topology, config, ignoreEvents);
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it('injects the fault in its phase and says so in the result', () => {
    const fault = config.migration.fault;
    expect(result.migration.fault).toMatchObject({ kind: fault?.kind, phase: fault?.phase });
    expect(result.migration.fault?.detail).not.toMatch(/injection failed/);
    expect(result.migration.fault?.injected).toBe(true);
    const hit = result.migration.phases.find((p) => p.name === fault?.phase);
    const annotation = hit?.status === 'not-run' ? undefined : (hit?.evidence as FaultAnnotation | undefined);
    expect(annotation?.fault).toEqual(result.migration.fault);
  });

  it('ends with the expected outcome, p23 read-write where that outcome puts it', async () => {
    expect(result.migration.outcome).toBe(expected[scenario]);
    const [server] = await query<{ p23: string }>(
      topology.nodes.proxy.endpoint,
      'proxy',
      `select o as p23 from pg_foreign_server, unnest(srvoptions) o where srvname = 'rds_pg_cluster' and o like 'p23=%'`,
    );
    expect(server?.p23).not.toContain('read_only');
    // Through the pooler on a pooled topology: where it forwards db23 is the home.
    const where = await partitionHome(migrationContext(config, topology.nodes, topology.runId, ignoreEvents));
    expect([where.home, where.readOnly]).toEqual([expected[scenario] === 'completed' ? 'new' : 'old', false]);
    if (!topology.nodes.proxy.pooler) {
      const home = expected[scenario] === 'completed' ? topology.nodes.new : topology.nodes.old;
      expect(server?.p23).toContain(`port=${home.peerPort}`);
    }
  });

  it('holds the invariants: nothing frozen, no acknowledged write lost, parity for a completed move', () => {
    const invariants = result.checks.find((c) => c.name === 'fault invariants');
    expect(invariants?.passed, invariants?.summary).toBe(true);
    expect(result.checks.find((c) => c.name === 'no acknowledged write lost')?.passed).toBe(true);
    if (result.migration.outcome === 'completed') {
      expect(result.checks.find((c) => c.name === 'parity')?.passed).toBe(true);
    }
    expect(result.verdict).toBe('pass');
  });

  it('leaves nothing behind once stopped', async () => {
    await topology.stop();
    expect(await leftovers()).toEqual(before);
  });
});
