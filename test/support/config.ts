import type { ProviderName, ShardmoveConfig } from '../../harness/config/config-types.ts';
import { loadConfig } from '../../harness/config/load-config.ts';

/** The seed scenario's config with test overrides, through the same layering the CLI uses. */
export async function testConfig(
  provider: ProviderName,
  flags: Record<string, unknown> = {},
): Promise<ShardmoveConfig> {
  const { config } = await loadConfig({ flags: { provider, ...flags } });
  return config;
}
