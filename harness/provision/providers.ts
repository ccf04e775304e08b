import type { ProviderName, ShardmoveConfig } from '../config/config-types.ts';
import { ShardmoveError } from '../errors.ts';
import { containersProvider } from './containers-provider.ts';
import { externalProvider } from './external-provider.ts';
import { localProvider } from './local-provider.ts';
import type { PreflightResult, Provider } from './provider.ts';

export const providers: Readonly<Record<ProviderName, Provider>> = {
  containers: containersProvider,
  local: localProvider,
  external: externalProvider,
};

export interface ProviderChoiceResult {
  readonly provider: Provider;
  readonly reason: string;
  readonly checks: Readonly<Partial<Record<ProviderName, PreflightResult>>>;
}

/**
 * `auto` picks containers when a Docker engine answers, else local processes, else fails
 * naming what to install. An explicit choice is checked the same way, so a missing
 * dependency is reported before anything starts.
 */
export async function chooseProvider(config: ShardmoveConfig): Promise<ProviderChoiceResult> {
  // Network namespaces and managed-like nodes are the local provider's: asked for, they choose it.
  const localOnly = [
    ...(config.local.network === 'netns' ? ['--network netns'] : []),
    ...(config.local.privileges === 'managed' ? ['--privileges managed'] : []),
  ];
  const localAsked = localOnly.length > 0;
  if (localAsked && config.provider !== 'auto' && config.provider !== 'local')
    throw new ShardmoveError(`${localOnly.join(' and ')}: the local provider's, not ${config.provider}'s`, {
      hint:
        config.provider === 'external'
          ? "an external node's privileges are its own: shardmove preflight names what each strategy lacks there"
          : 'run with --provider local (or auto)',
    });
  const chosen = localAsked ? 'local' : config.provider;
  if (chosen !== 'auto') {
    const provider = providers[chosen];
    const check = await provider.preflight(config);
    if (!check.ok) {
      throw new ShardmoveError(
        `provider '${provider.name}' cannot start:\n  ${check.findings.join('\n  ')}`,
        {
          ...(check.fix ? { hint: `to install what is missing, run: ${check.fix}` } : {}),
        },
      );
    }
    const reason = localAsked ? `${localOnly.join(' and ')}: the local provider’s` : 'chosen with --provider';
    return { provider, reason, checks: { [provider.name]: check } };
  }
  const containers = await containersProvider.preflight(config);
  if (containers.ok) {
    return { provider: containersProvider, reason: 'a Docker engine is reachable', checks: { containers } };
  }
  const local = await localProvider.preflight(config);
  if (local.ok) {
    return {
      provider: localProvider,
      reason: 'no Docker engine; PostgreSQL 15 with PL/Proxy is installed',
      checks: { containers, local },
    };
  }
  throw new ShardmoveError(
    `no provider can start: no Docker engine is reachable and local PostgreSQL is incomplete:\n  ${[...containers.findings, ...local.findings].join('\n  ')}`,
    { hint: 'to install everything shardmove needs, run: bash scripts/setup.sh' },
  );
}
