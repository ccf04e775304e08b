import type { MigrationStrategy, SwitchMode } from '../../harness/config/config-types.ts';
import { builtinSteps } from '../../harness/config/load-config.ts';
import { procedurePhases, rollbackPhases } from '../../harness/migrate/procedure.ts';

/** A built-in strategy's phases, as its case in scenarios/ writes them. */
export async function strategyPhases(strategy: MigrationStrategy, switchMode: SwitchMode = 'reject') {
  return procedurePhases(await builtinSteps(strategy, switchMode));
}

export async function strategyRollback(strategy: MigrationStrategy, switchMode: SwitchMode = 'reject') {
  return rollbackPhases(await builtinSteps(strategy, switchMode));
}
