import type {
  MigrationConfig,
  MigrationStrategy,
  ShardmoveConfig,
  SwitchMode,
} from '../../harness/config/config-types.ts';
import { builtinSteps } from '../../harness/config/load-config.ts';
import { procedurePhases, rollbackPhases } from '../../harness/migrate/procedure.ts';

/** A built-in strategy's phases, as its case in scenarios/ writes them. */
export async function strategyPhases(strategy: MigrationStrategy, switchMode: SwitchMode = 'reject') {
  return procedurePhases(await builtinSteps(strategy, switchMode));
}

export async function strategyRollback(strategy: MigrationStrategy, switchMode: SwitchMode = 'reject') {
  return rollbackPhases(await builtinSteps(strategy, switchMode));
}

/**
 * A config of another strategy with that strategy's built-in steps, as `--strategy` gives
 * it: a procedure is data of the layer that names it, and a spread that changed only the
 * strategy would keep the old steps.
 */
export async function withStrategy(
  config: ShardmoveConfig,
  migration: Partial<MigrationConfig> & { strategy: MigrationStrategy },
): Promise<ShardmoveConfig> {
  const switchMode = migration.switch ?? config.migration.switch;
  return {
    ...config,
    migration: {
      ...config.migration,
      ...migration,
      steps: await builtinSteps(migration.strategy, switchMode),
    },
  };
}
