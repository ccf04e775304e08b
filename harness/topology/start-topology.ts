import type { NodeRole, ProviderName, ShardmoveConfig } from '../config/config-types.ts';
import { type EventSink, step } from '../events.ts';
import type { NodeAccess, NodesHandle, StartedNodes } from '../provision/provider.ts';
import { chooseProvider } from '../provision/providers.ts';
import { newRunId } from '../provision/run-id.ts';
import { installSchema } from '../schema/install-schema.ts';
import { checkRouting } from './check-routing.ts';
import { recordSettings } from './recorded-settings.ts';

/** Nodes provisioned and the seed's schema installed: what every later phase starts from. */
export interface StartedTopology extends AsyncDisposable {
  readonly runId: string;
  readonly provider: ProviderName;
  readonly nodes: Readonly<Record<NodeRole, NodeAccess>>;
  readonly handle: NodesHandle;
  readonly facts: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<NodeRole, Record<string, string>>>;
  readonly config: ShardmoveConfig;
  stop(): Promise<void>;
}

export interface StartTopologyOptions {
  readonly config: ShardmoveConfig;
  readonly events: EventSink;
  readonly runId?: string;
  readonly primaryKeys?: boolean;
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
      installSchema(started.nodes, { config, runId, events, primaryKeys: options.primaryKeys ?? true }),
    );
    await step(events, 'check routing', () => checkRouting(started.nodes.proxy, config));
    const settings = await step(events, 'record settings', () =>
      recordSettings(started.nodes, config.connectTimeoutMillis),
    );
    return {
      runId,
      provider: started.provider,
      nodes: started.nodes,
      handle: started.handle,
      facts: started.facts,
      settings,
      config,
      stop: () => started.stop(),
      [Symbol.asyncDispose]: () => started.stop(),
    };
  } catch (error) {
    await started.stop();
    throw error;
  }
}
