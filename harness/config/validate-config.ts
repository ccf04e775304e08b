import { ConfigError } from '../errors.ts';
import { configShape, type ObjectShape, type Shape } from './config-schema.ts';
import { checkNames, type ShardmoveConfig } from './config-types.ts';
import { encrypted, parseDsn } from './dsn.ts';
import { topologyLayout } from './topology-layout.ts';

export type ConfigLayer = { readonly source: string; readonly values: Record<string, unknown> };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0] ?? 0;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j] ?? 0;
        row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length] ?? Number.POSITIVE_INFINITY;
  };
  const best = candidates
    .map((c) => ({ c, d: distance(name.toLowerCase(), c.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.c : undefined;
}

/** Checks one layer against the shape: unknown keys and wrong types, each named by its path. */
function checkLayer(values: Record<string, unknown>, shape: ObjectShape, path: string, source: string): void {
  const known = Object.keys(shape.fields);
  for (const [key, value] of Object.entries(values)) {
    const keyPath = path ? `${path}.${key}` : key;
    const field: Shape | undefined = shape.fields[key];
    if (field === undefined) {
      const suggestion = closest(key, known);
      throw new ConfigError(
        `unknown key '${keyPath}' in ${source}${suggestion ? ` (did you mean '${path ? `${path}.` : ''}${suggestion}'?)` : ''}`,
        { hint: `known keys${path ? ` under '${path}'` : ''}: ${known.join(', ')}` },
      );
    }
    if (typeof field === 'function') {
      const problem = field(value);
      if (problem) throw new ConfigError(`'${keyPath}' in ${source} ${problem}`);
    } else if (isPlainObject(value)) {
      checkLayer(value, field, keyPath, source);
    } else if (!(field.optional && (value === undefined || value === null))) {
      throw new ConfigError(`'${keyPath}' in ${source} must be an object, got ${JSON.stringify(value)}`);
    }
  }
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return out;
}

function checkSemantics(config: ShardmoveConfig, topologyKept: boolean): void {
  const { partitions, movePartition, oldPartitions } = config.topology;
  if ((partitions & (partitions - 1)) !== 0) {
    throw new ConfigError(
      `'topology.partitions' must be a power of two (PL/Proxy routes by hash & (n-1)), got ${partitions}`,
    );
  }
  if (movePartition >= partitions) {
    throw new ConfigError(
      `'topology.movePartition' ${movePartition} is out of range: partitions are 0..${partitions - 1}`,
    );
  }
  if (oldPartitions) {
    const outside = oldPartitions.filter((p) => p >= partitions);
    if (outside.length > 0)
      throw new ConfigError(`'topology.oldPartitions' has partitions out of range: ${outside.join(', ')}`);
    if (new Set(oldPartitions).size !== oldPartitions.length) {
      throw new ConfigError(`'topology.oldPartitions' lists a partition twice`);
    }
    if (oldPartitions.length === 0 || oldPartitions.length === partitions) {
      throw new ConfigError(`'topology.oldPartitions' must leave at least one partition on each cluster`);
    }
  }
  const proxyDatabase = config.topology.proxyDatabase;
  if (/^db\d+$/.test(proxyDatabase) || ['postgres', 'template0', 'template1'].includes(proxyDatabase)) {
    throw new ConfigError(
      `'topology.proxyDatabase' ${JSON.stringify(proxyDatabase)} names a shard database or a system database; the proxy's functions need a database of their own`,
      { hint: 'the default is proxy' },
    );
  }
  if (topologyLayout(config.topology).backendOf(movePartition) !== 'old') {
    throw new ConfigError(
      `partition ${movePartition} is already on the destination cluster 'new'; a move goes from 'old' to 'new'`,
      { hint: 'choose a partition hosted by old, or change topology.oldPartitions' },
    );
  }
  if (config.provider === 'external') {
    if (!config.external) {
      throw new ConfigError(`provider 'external' needs the proxy, old and new connection URIs`, {
        hint: 'set external.{proxy,old,new} in --config, or SHARDMOVE_PROXY_URL, SHARDMOVE_OLD_URL, SHARDMOVE_NEW_URL',
      });
    }
  }
  if (config.external) {
    const env = { proxy: 'SHARDMOVE_PROXY_URL', old: 'SHARDMOVE_OLD_URL', new: 'SHARDMOVE_NEW_URL' } as const;
    const missing = (['proxy', 'old', 'new'] as const).filter(
      (role) => typeof config.external?.[role] !== 'string',
    );
    if (missing.length)
      throw new ConfigError(
        `external hosts need all three connection URIs; ${missing.map((r) => `external.${r}`).join(', ')} not set`,
        { hint: `set ${missing.map((r) => env[r]).join(', ')} too, or external.{proxy,old,new} in --config` },
      );
    for (const role of ['proxy', 'old', 'new'] as const) {
      const endpoint = parseDsn(config.external[role], `external.${role}`);
      if (
        endpoint.password &&
        !encrypted(endpoint) &&
        !isLoopback(endpoint.host) &&
        !config.allowPlaintextPassword
      )
        throw new ConfigError(
          `external.${role}: a password would go to ${endpoint.host} in plain text (its URI has no sslmode, or sslmode=disable)`,
          {
            hint: 'add ?sslmode=verify-full&sslrootcert=/path/ca.crt (or sslmode=require), or pass --allow-plaintext-password',
          },
        );
    }
  }
  const misnamed = Object.keys(config.expectedFailures).filter(
    (k) => !(checkNames as readonly string[]).includes(k) && !config.thresholds.includes(k),
  );
  if (misnamed.length) {
    throw new ConfigError(
      `'expectedFailures' names ${misnamed.map((k) => JSON.stringify(k)).join(', ')}, which is neither a check nor one of the thresholds`,
      { hint: `checks: ${checkNames.join(', ')}; thresholds: ${config.thresholds.join(', ') || 'none'}` },
    );
  }
  if (config.rehearsal.settleMaxSeconds < config.rehearsal.settleSeconds) {
    throw new ConfigError(
      `'rehearsal.settleMaxSeconds' (${config.rehearsal.settleMaxSeconds}) is below 'rehearsal.settleSeconds' (${config.rehearsal.settleSeconds})`,
    );
  }
  // A kept topology's pooler is in its state, not in the flags: checked after the merge.
  if (!topologyKept) checkTopologyFit(config);
}

/** Traffic that never leaves this host: a password sent there is not on any wire. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What the topology must offer the migration: a pooler the provider runs, one to hold calls in. */
export function checkTopologyFit(config: ShardmoveConfig): void {
  const pooler = poolerProblem(config);
  if (pooler) throw new ConfigError(pooler.message, { hint: pooler.hint });
  const hold = holdProblem(config);
  if (hold) throw new ConfigError(hold.message, { hint: hold.hint });
}

/**
 * A held switch needs the pooler to hold the calls in, and a catch-up short enough to hold
 * them through: logical replication's. Also checked after a kept topology's merge.
 */
export function holdProblem(config: ShardmoveConfig): { message: string; hint: string } | undefined {
  if (config.migration.switch !== 'hold') return undefined;
  if (config.topology.pooler === 'none') {
    return {
      message: `'migration.switch' hold needs a pooler to hold the calls in (topology.pooler is none)`,
      hint: 'add --pooler pgbouncer, or run the scenario logical-db23-hold',
    };
  }
  if (config.migration.strategy !== 'logical') {
    return {
      message: `'migration.switch' hold is for the logical strategy, not ${config.migration.strategy}: its freeze copies or refreshes the partition, far longer than a call can be held`,
      hint: 'add --strategy logical, or leave migration.switch at reject',
    };
  }
  return undefined;
}

/** On a pooled topology the freeze defaults to the one that works through the pooler. */
export function withPoolerFreeze(config: ShardmoveConfig): ShardmoveConfig {
  if (config.topology.pooler === 'none') return config;
  return { ...config, migration: { ...config.migration, freeze: 'table-triggers' } };
}

/**
 * What a pooled topology cannot do. Also checked by commands that take the topology from a
 * kept one, after the merge.
 */
export function poolerProblem(config: ShardmoveConfig): { message: string; hint: string } | undefined {
  if (config.topology.pooler === 'none') return undefined;
  if (config.provider === 'external') {
    return {
      message: `'topology.pooler' ${config.topology.pooler} is provisioned by the local and containers providers, not external`,
      hint: 'point external.proxy at your own pooled proxy instead, or leave topology.pooler at none',
    };
  }
  if (config.migration.freeze === 'connstring') {
    return {
      message: `the connstring freeze does not work through pgbouncer: it passes default_transaction_read_only in the startup 'options', which pgbouncer 1.18 refuses`,
      hint: 'add --freeze table-triggers (or set migration.freeze), or leave topology.pooler at none',
    };
  }
  return undefined;
}

/**
 * Layers defaults < scenario < config file < environment < flags, each checked for unknown
 * keys and types as it is applied, then checks the whole. Throws ConfigError; nothing
 * has been touched when it does.
 */
export function resolveConfig(
  defaults: ShardmoveConfig,
  layers: readonly ConfigLayer[],
  topologyKept = false,
): ShardmoveConfig {
  let merged = defaults as unknown as Record<string, unknown>;
  for (const layer of layers) {
    checkLayer(layer.values, configShape, '', layer.source);
    merged = merge(merged, layer.values);
  }
  let config = merged as unknown as ShardmoveConfig;
  const freezeChosen = layers.some(
    (l) => isPlainObject(l.values.migration) && l.values.migration.freeze !== undefined,
  );
  if (!freezeChosen) config = withPoolerFreeze(config);
  checkSemantics(config, topologyKept);
  return config;
}
