import type { ProviderName, ShardmoveConfig } from '../../harness/config/config-types.ts';
import { loadConfig } from '../../harness/config/load-config.ts';
import { deepMerge, suiteDefaults } from './suite-config.ts';

/** Only the slow-host knob comes from the environment: set, the whole suite rehearses a host where connections are expensive. */
function slowHostEnv(): NodeJS.ProcessEnv {
  const slow = process.env.SHARDMOVE_CONNECTION_CPU_MS;
  return slow ? { SHARDMOVE_CONNECTION_CPU_MS: slow } : {};
}

/** A scenario's config (default: the seed's) with the suite's defaults and a test's overrides, layered as the CLI layers. */
export async function testScenarioConfig(
  scenario: string | undefined,
  flags: Record<string, unknown> = {},
): Promise<ShardmoveConfig> {
  const { config } = await loadConfig({
    scenario,
    env: slowHostEnv(),
    flags: deepMerge(suiteDefaults, flags),
  });
  return config;
}

/** The seed scenario's config with test overrides, through the same layering the CLI uses. */
export async function testConfig(
  provider: ProviderName,
  flags: Record<string, unknown> = {},
): Promise<ShardmoveConfig> {
  return testScenarioConfig(undefined, { provider, ...flags });
}
