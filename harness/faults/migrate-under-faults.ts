import type { MigrationContext } from '../migrate/migration-context.ts';
import { type MigrationResult, runMigration } from '../migrate/run-migration.ts';
import { type InjectedFault, phaseFaults } from './inject-fault.ts';

/** A migration as the rehearsal ran it: with the fault its config asked for, if any. */
export interface FaultedMigration extends MigrationResult {
  /** The fault injected, if the run had one: kind, phase, when, what was done. */
  readonly fault?: InjectedFault | undefined;
}

/** Runs the migration with the config's faults wrapped around its phases; never throws. */
export async function migrateUnderFaults(context: MigrationContext): Promise<FaultedMigration> {
  const faults = phaseFaults(context.config);
  const result = await runMigration(context, { wrapPhase: faults.wrap });
  // A pause that outlasted its phase ends before the run goes on to judge the nodes.
  await faults.over();
  const fault = faults.injected();
  return fault ? { ...result, fault } : result;
}
