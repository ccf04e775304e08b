import type { ProviderName, ShardmoveConfig } from '../../harness/config/config-types.ts';
import { loadConfig } from '../../harness/config/load-config.ts';

/**
 * What the integration suite changes of a scenario, unless a test says otherwise: fewer
 * writers (PL/Proxy opens clients x partitions connections, so warm-ups and reconnection
 * storms shrink with them, which decides the suite's time on a host where connections are
 * expensive), shorter steady-state windows and probe, no per-call micro-benchmarks. What
 * the tests assert does not depend on these.
 */
const suiteDefaults = {
  load: { clients: 12 },
  rehearsal: { steadyWindowSeconds: 2, probeSeconds: 2, microBenchmarkMillis: 0 },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const current = out[k];
    out[k] = isObject(current) && isObject(v) ? deepMerge(current, v) : v;
  }
  return out;
}

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
