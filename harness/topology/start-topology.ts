import type { NodeRole, ProviderName, ShardmoveConfig } from '../config/config-types.ts';
import type { NodeAccess, NodesHandle } from '../db/node-access.ts';
import { type EventSink, step } from '../events.ts';
import type { StartedNodes } from '../provision/provider.ts';
import { chooseProvider } from '../provision/providers.ts';
import { newRunId } from '../provision/run-id.ts';
import { installSchema } from '../schema/install-schema.ts';
import { type SeedOutcome, seedTopology } from '../seed/seed-topology.ts';
import { logStepTime } from '../step-log.ts';
import { checkRouting } from './check-routing.ts';
import { recordSettings } from './recorded-settings.ts';
import { type NodeVersions, recordVersions } from './recorded-versions.ts';

/** Nodes provisioned and the seed's schema installed: what every later phase starts from. */
export interface StartedTopology extends AsyncDisposable {
  readonly runId: string;
  readonly provider: ProviderName;
  readonly nodes: Readonly<Record<NodeRole, NodeAccess>>;
  readonly handle: NodesHandle;
  readonly facts: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<NodeRole, Record<string, string>>>;
  readonly versions: Readonly<Record<NodeRole, NodeVersions>>;
  readonly config: ShardmoveConfig;
  readonly seeding: SeedOutcome;
  stop(): Promise<void>;
}

export interface StartTopologyOptions {
  readonly config: ShardmoveConfig;
  readonly events: EventSink;
  readonly runId?: string;
}

export async function startTopology(options: StartTopologyOptions): Promise<StartedTopology> {
  const { config, events } = options;
  const runId = options.runId ?? newRunId();
  const choice = await step(events, 'choose provider', () => chooseProvider(config));
  events({ type: 'info', message: `provider: ${choice.provider.name} (${choice.reason}); run id ${runId}` });
  const started: StartedNodes = await step(events, 'provision', () =>
    choice.provider.start({ config, runId, events }),
  );
  try {
    await step(events, 'install schema', () =>
      // Seeding adds the primary keys after its bulk load; an unseeded topology gets them now.
      installSchema(started.nodes, {
        config,
        runId,
        events,
        primaryKeys: config.seeding.profile === 'none',
        openToPublic: started.provider !== 'external',
      }),
    );
    await step(events, 'check routing', () => checkRouting(started.nodes.proxy, config));
    const seeding = await step(
      events,
      'seed',
      () => seedTopology(started.nodes, config, events),
      seedDetail(config),
    );
    const [settings, versions] = await step(events, 'record settings', () =>
      Promise.all([
        recordSettings(started.nodes, config.connectTimeoutMillis),
        recordVersions(started.nodes, config.connectTimeoutMillis, config.topology.proxyDatabase),
      ]),
    );
    return {
      runId,
      provider: started.provider,
      nodes: started.nodes,
      handle: started.handle,
      facts: {
        ...started.facts,
        ...(started.nodes.proxy.pooler ? { pooler: `pgbouncer ${started.nodes.proxy.pooler.version}` } : {}),
      },
      settings,
      versions,
      config,
      seeding,
      stop: () => timedStop(started),
      [Symbol.asyncDispose]: () => timedStop(started),
    };
  } catch (error) {
    await started.stop();
    throw error;
  }
}

/** Teardown is no step of the run's (it prints nothing), but the suite's breakdown counts it. */
async function timedStop(started: StartedNodes): Promise<void> {
  const begin = Date.now();
  try {
    await started.stop();
  } finally {
    logStepTime('teardown', Date.now() - begin);
  }
}

export function seedDetail(config: ShardmoveConfig): string {
  return `profile ${config.seeding.profile}, ${config.seeding.data} data`;
}
