import type { FaultedMigration } from '../faults/migrate-under-faults.ts';
import type { MigrationContext } from '../migrate/migration-context.ts';
import { partitionHome } from '../migrate/partition-target.ts';
import type { Check, FaultInvariantsCheck } from './check.ts';

/**
 * What must hold whatever a fault did: the partition ends on old read-write (rolled back)
 * or on new read-write (completed), never frozen; no acknowledged write is lost; and what
 * was completed passed parity.
 */
export async function faultInvariantsCheck(
  context: MigrationContext,
  migration: FaultedMigration,
  checks: readonly Check[],
): Promise<FaultInvariantsCheck> {
  const where = await partitionHome(context);
  const expected =
    migration.outcome === 'completed' ? 'new' : migration.outcome === 'rolled-back' ? 'old' : undefined;
  const placed = expected !== undefined && where.home === expected && !where.readOnly;
  const acked = checks.find((c) => c.name === 'no acknowledged write lost')?.passed === true;
  const parity = checks.find((c) => c.name === 'parity')?.passed === true;
  const parityOk = migration.outcome !== 'completed' || parity;
  const problems = [
    ...(context.config.migration.fault && !migration.fault
      ? [`the fault was never injected: its phase '${context.config.migration.fault.phase}' did not run`]
      : []),
    ...(migration.fault && !migration.fault.injected
      ? [`the fault was not injected (${migration.fault.detail})`]
      : []),
    ...(placed
      ? []
      : [
          `p${context.partition} is on ${where.home}${where.readOnly ? ' frozen read-only' : ''} after a ${migration.outcome} migration`,
        ]),
    ...(acked ? [] : ['an acknowledged write was lost']),
    ...(parityOk ? [] : ['the completed move failed parity']),
  ];
  const fault = migration.fault;
  return {
    name: 'fault invariants',
    passed: problems.length === 0,
    summary:
      `${fault ? `${fault.kind} during ${fault.phase} (${fault.detail}); ` : 'no fault was injected; '}` +
      `migration ${migration.outcome}, p${context.partition} on ${where.home} ${where.readOnly ? 'read-only' : 'read-write'}` +
      (problems.length ? `: ${problems.join('; ')}` : ', no acknowledged write lost, parity as required'),
    evidence: { fault, outcome: migration.outcome, home: where.home, readOnly: where.readOnly, problems },
  };
}
