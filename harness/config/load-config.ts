import { ConfigError } from '../errors.ts';
import { type CaseText, fileLine, listCases, locateCase, readCaseText } from './case-file.ts';
import { caseScripts, caseSqlFiles, caseSteps } from './case-steps.ts';
import type { MigrationStrategy, ProcedureStep, ShardmoveConfig, SwitchMode } from './config-types.ts';
import { defaultConfig } from './defaults.ts';
import { type ConfigLayer, resolveConfig } from './validate-config.ts';

export const defaultScenario = 'seed-db23';

export interface ConfigInputs {
  /** A built-in case by name, or a path to a case folder or case file. */
  readonly scenario?: string | undefined;
  readonly configFile?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** Flag values already shaped like config keys; undefined entries are ignored. */
  readonly flags?: Record<string, unknown>;
  /**
   * The command works on the topology `up --keep` left, whose pooler the flags do not say:
   * what depends on it is checked after the merge with the kept state (openKeptPartition).
   */
  readonly topologyKept?: boolean;
}

export interface LoadedConfig {
  readonly config: ShardmoveConfig;
  readonly scenario: { readonly name: string; readonly description: string; readonly dir: string };
}

export const listScenarios = listCases;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * A case file's config as a layer: its steps' files resolved inside the case folder and
 * checked, every error naming the file and line.
 */
async function caseLayer(caseText: CaseText, source: string, configPath: string): Promise<ConfigLayer> {
  const root = caseText.json.value;
  const values = {
    ...asObject(
      configPath ? ((root as Record<string, unknown>)[configPath] ?? {}) : root,
      `${source}: config`,
    ),
  };
  const at = (key: string) => `${configPath ? `${configPath}.` : ''}${key}`;
  const migration = values.migration;
  if (isObject(migration) && 'steps' in migration)
    values.migration = {
      ...migration,
      steps: await caseSteps(caseText, at('migration.steps'), migration.steps),
    };
  const load = values.load;
  if (isObject(load) && 'scripts' in load)
    values.load = { ...load, scripts: await caseScripts(caseText, at('load.scripts'), load.scripts) };
  const schema = values.schema;
  if (isObject(schema)) {
    const resolved: Record<string, unknown> = { ...schema };
    for (const key of ['dataNode', 'proxy', 'fill'] as const)
      if (key in schema)
        resolved[key] = await caseSqlFiles(caseText, at(`schema.${key}`), schema[key], `schema.${key}`);
    values.schema = resolved;
  }
  return { source, values };
}

async function scenarioLayer(
  ref: string,
): Promise<{ layer: ConfigLayer; description: string; name: string; dir: string }> {
  const caseText = await readCaseText(await locateCase(ref));
  const file = asObject(caseText.json.value, fileLine(caseText.file));
  for (const key of Object.keys(file)) {
    if (key !== 'description' && key !== 'config')
      throw new ConfigError(
        `${fileLine(caseText.file, caseText.json.lineOf(key))}: unknown key '${key}' (a case file has description, config)`,
      );
  }
  return {
    layer: await caseLayer(caseText, `case ${fileLine(caseText.file)}`, 'config'),
    description: typeof file.description === 'string' ? file.description : '',
    name: caseText.name,
    dir: caseText.dir,
  };
}

/** The built-in case whose steps are a strategy's procedure. */
export function builtinCaseOf(strategy: MigrationStrategy, switchMode: SwitchMode): string {
  return strategy === 'logical' && switchMode === 'hold' ? 'logical-db23-hold' : `${strategy}-db23`;
}

/** A strategy's procedure, as its built-in case writes it. */
export async function builtinSteps(
  strategy: MigrationStrategy,
  switchMode: SwitchMode,
): Promise<ProcedureStep[]> {
  const name = builtinCaseOf(strategy, switchMode);
  const steps = (await scenarioLayer(name)).layer.values.migration as { steps?: ProcedureStep[] } | undefined;
  if (!steps?.steps) throw new ConfigError(`the built-in case ${name} has no migration.steps`);
  return steps.steps;
}

function envLayer(env: NodeJS.ProcessEnv): ConfigLayer {
  const values: Record<string, unknown> = {};
  if (env.SHARDMOVE_PROVIDER) values.provider = env.SHARDMOVE_PROVIDER;
  // A whole suite or CI job rehearsed as on a host where connections are expensive.
  if (env.SHARDMOVE_CONNECTION_CPU_MS) {
    const millis = Number(env.SHARDMOVE_CONNECTION_CPU_MS);
    values.topology = {
      connectionCpuMillis: Number.isFinite(millis) ? millis : env.SHARDMOVE_CONNECTION_CPU_MS,
    };
  }
  const urls = { proxy: env.SHARDMOVE_PROXY_URL, old: env.SHARDMOVE_OLD_URL, new: env.SHARDMOVE_NEW_URL };
  if (urls.proxy || urls.old || urls.new) {
    values.external = Object.fromEntries(Object.entries(urls).filter(([, v]) => v !== undefined));
  }
  return { source: 'environment', values };
}

function pruneUndefined(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const inner = pruneUndefined(value as Record<string, unknown>);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else out[key] = value;
  }
  return out;
}

/**
 * Whether the steps are the layers' own: the last layer that names a strategy or a switch
 * must name the steps too, or it takes that strategy's built-in procedure (`--strategy copy`
 * on the seed case rehearses copy's steps, not the seed's).
 */
function ownSteps(layers: readonly ConfigLayer[]): boolean {
  let own = false;
  for (const { values } of layers) {
    const m = values.migration as Record<string, unknown> | undefined;
    if (m?.steps !== undefined) own = true;
    else if (m?.strategy !== undefined || m?.switch !== undefined) own = false;
  }
  return own;
}

/**
 * Destruction on hosts shardmove did not create is allowed by the person at the command
 * line, for this run: a case or config file (shared, committed, copied) cannot carry it.
 */
function refuseDestructionFromFile(layer: ConfigLayer): void {
  if ('allowDestructive' in layer.values)
    throw new ConfigError(
      `${layer.source}: 'allowDestructive' is not taken from a file: only the --allow-destructive flag allows destruction on external hosts, run by run`,
    );
  if ('allowPlaintextPassword' in layer.values)
    throw new ConfigError(
      `${layer.source}: 'allowPlaintextPassword' is not taken from a file: only the --allow-plaintext-password flag sends a password in plain text, run by run`,
    );
}

/** defaults < scenario < --config file < environment < flags, validated once, here. */
export async function loadConfig(inputs: ConfigInputs): Promise<LoadedConfig> {
  const scenario = await scenarioLayer(inputs.scenario ?? defaultScenario);
  const layers: ConfigLayer[] = [scenario.layer];
  if (inputs.configFile) {
    const location = await locateCase(
      inputs.configFile.includes('/') ? inputs.configFile : `./${inputs.configFile}`,
    );
    layers.push(await caseLayer(await readCaseText(location), `config file ${fileLine(location.file)}`, ''));
  }
  layers.push(envLayer(inputs.env ?? {}));
  for (const layer of layers) refuseDestructionFromFile(layer);
  layers.push({ source: 'command-line flags', values: pruneUndefined(inputs.flags ?? {}) });
  const config = resolveConfig(defaultConfig, layers, inputs.topologyKept === true);
  if (!ownSteps(layers)) {
    config.migration.steps = await builtinSteps(config.migration.strategy, config.migration.switch);
  }
  return {
    config,
    scenario: { name: scenario.name, description: scenario.description, dir: scenario.dir },
  };
}
