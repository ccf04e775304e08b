import type { ProviderName } from '../../harness/config/config-types.ts';

/**
 * Providers the integration suite runs against: SHARDMOVE_TEST_PROVIDERS=local,containers
 * (the default, and what CI runs). A provider listed here that cannot start fails the
 * suite rather than being skipped, so CI cannot pass by testing nothing.
 */
export function testProviders(): ProviderName[] {
  const raw = process.env.SHARDMOVE_TEST_PROVIDERS ?? 'local,containers';
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is ProviderName => s === 'local' || s === 'containers');
}
