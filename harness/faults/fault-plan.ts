import type { FaultKind, ShardmoveConfig } from '../config/config-types.ts';
import { procedurePhases } from '../migrate/procedure.ts';
import { configuredSteps } from '../migrate/run-migration.ts';
import type { NodeAction } from '../provision/provider.ts';
import { providers } from '../provision/providers.ts';

/** What each fault does to a node, beyond SQL: the provider declares whether it can. */
const faultNeeds: Readonly<Record<FaultKind, NodeAction>> = {
  'kill-new': 'kill',
  'pause-old': 'pause',
  'pause-new': 'pause',
  'restart-old': 'restart',
  'cut-replication': 'terminate-sessions',
  'terminate-proxy-backends': 'terminate-sessions',
};

/** What `auto` may pick: a fault must be doable by each, since which one is known only at the start. */
const autoCandidates = ['containers', 'local'] as const;

/**
 * A fault plan must name a phase of the chosen strategy, and a provider that can do what
 * the fault does: checked at the edge, before anything starts. `provider` is the one the
 * nodes already run on, for a kept topology (migrate reads it from the state file).
 */
export function faultPlanProblem(
  config: ShardmoveConfig,
  provider: ShardmoveConfig['provider'] = config.provider,
): string | undefined {
  const names: readonly string[] = procedurePhases(configuredSteps(config)).map((p) => p.name);
  const after = config.migration.injectFaultAfter;
  if (after !== undefined && !names.includes(after))
    return `'migration.injectFaultAfter' ${JSON.stringify(after)} is not a phase of the procedure (${names.join(', ')}): nothing would be injected`;
  const fault = config.migration.fault;
  if (!fault) return undefined;
  if (!names.includes(fault.phase))
    return `'migration.fault.phase' ${JSON.stringify(fault.phase)} is not a phase of the procedure (${names.join(', ')})`;
  const need = faultNeeds[fault.kind];
  const able = (['local', 'containers', 'external'] as const).filter((name) =>
    providers[name].nodeActions.includes(need),
  );
  if (provider === 'auto') {
    const unable = autoCandidates.filter((name) => !able.includes(name));
    return unable.length === 0
      ? undefined
      : `the ${fault.kind} fault needs the ${able.join(' or ')} provider, and --provider auto may choose ${unable.join(' or ')}: name the provider`;
  }
  if (!able.includes(provider))
    return `the ${fault.kind} fault needs the ${able.join(' or ')} provider, not ${provider}`;
  return undefined;
}
