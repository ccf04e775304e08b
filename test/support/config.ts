import type { ProviderName, ShardmoveConfig } from '../../harness/config/config-types.ts';
import { loadConfig } from '../../harness/config/load-config.ts';

/** The seed scenario's config with test overrides, through the same layering the CLI uses. */
export async function testConfig(
  provider: ProviderName,
  flags: Record<string, unknown> = {},
): Promise<ShardmoveConfig> {
  // Only the slow-host knob comes from the environment: a suite run with it set rehearses
  // every topology as on a host where connections are expensive.
  const slow = process.env.SHARDMOVE_CONNECTION_CPU_MS;
  const env = slow ? { SHARDMOVE_CONNECTION_CPU_MS: slow } : {};
  const { config } = await loadConfig({ env, flags: { provider, ...flags } });
  return config;
}
