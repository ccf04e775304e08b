import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConfigError, errorMessage } from '../errors.ts';
import type { ShardmoveConfig } from './config-types.ts';
import { defaultConfig } from './defaults.ts';
import { type ConfigLayer, resolveConfig } from './validate-config.ts';

export const scenariosDir = fileURLToPath(new URL('../../scenarios/', import.meta.url));
export const defaultScenario = 'seed-db23';

export interface ConfigInputs {
  readonly scenario?: string | undefined;
  readonly configFile?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** Flag values already shaped like config keys; undefined entries are ignored. */
  readonly flags?: Record<string, unknown>;
}

export interface LoadedConfig {
  readonly config: ShardmoveConfig;
  readonly scenario: { readonly name: string; readonly description: string };
}

export async function listScenarios(): Promise<string[]> {
  return (await readdir(scenariosDir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConfigError(`${what}: cannot read ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${what}: ${path} is not valid JSON (${errorMessage(error)})`);
  }
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

async function scenarioLayer(name: string): Promise<{ layer: ConfigLayer; description: string }> {
  const available = await listScenarios();
  if (!/^[a-z0-9-]+$/.test(name) || !available.includes(name)) {
    throw new ConfigError(`unknown scenario '${name}'`, { hint: `available: ${available.join(', ')}` });
  }
  const source = `scenario ${name}`;
  const file = asObject(await readJson(`${scenariosDir}${name}.json`, source), source);
  for (const key of Object.keys(file)) {
    if (key !== 'description' && key !== 'config')
      throw new ConfigError(`unknown key '${key}' in ${source} (expected description, config)`);
  }
  return {
    layer: { source, values: asObject(file.config ?? {}, `${source}: config`) },
    description: typeof file.description === 'string' ? file.description : '',
  };
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

/** defaults < scenario < --config file < environment < flags, validated once, here. */
export async function loadConfig(inputs: ConfigInputs): Promise<LoadedConfig> {
  const name = inputs.scenario ?? defaultScenario;
  const scenario = await scenarioLayer(name);
  const layers: ConfigLayer[] = [scenario.layer];
  if (inputs.configFile) {
    const source = `config file ${inputs.configFile}`;
    layers.push({ source, values: asObject(await readJson(inputs.configFile, source), source) });
  }
  layers.push(envLayer(inputs.env ?? {}));
  layers.push({ source: 'command-line flags', values: pruneUndefined(inputs.flags ?? {}) });
  return {
    config: resolveConfig(defaultConfig, layers),
    scenario: { name, description: scenario.description },
  };
}
