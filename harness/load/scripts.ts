import { ConfigError } from '../errors.ts';
import type { ScriptProgram } from './pgbench-script.ts';

/** The seed's six proxy functions as load scripts: one call, one random user id. */
export const scriptCatalog = {
  insert_log: { sql: 'select insert_log($1)', writes: true },
  query_pk: { sql: 'select * from query_pk($1)', writes: false },
  query_insert: { sql: 'select * from query_insert($1)', writes: true },
  update_pk: { sql: 'select update_pk($1)', writes: true },
  query_update_insert: { sql: 'select * from query_update_insert($1)', writes: true },
  query_smalltbl: { sql: 'select * from query_smalltbl($1)', writes: false },
} as const;

export type ScriptName = keyof typeof scriptCatalog;
export const scriptNames = Object.keys(scriptCatalog) as ScriptName[];

/** A built-in script by name, or a user's pgbench script file (its name is the file's). */
export type WeightedScript =
  | { readonly name: ScriptName; readonly weight: number; readonly program?: undefined }
  | { readonly name: string; readonly weight: number; readonly program: ScriptProgram };

/** Whether a call of this script writes a login_log row for its id (the ledger's business). */
export function scriptWrites(script: WeightedScript): boolean {
  return script.program ? script.program.writes : scriptCatalog[script.name as ScriptName].writes;
}

/** A set of clients running one weighted mix; ids from the whole key space or one partition. */
export interface LoadGroup {
  readonly name: string;
  readonly clients: number;
  readonly scripts: readonly WeightedScript[];
  /** Only ids routed to this partition (id & (partitions-1) = partition). */
  readonly partition?: number | undefined;
  /** Open loop for this group: transactions per second over its clients. */
  readonly ratePerSecond?: number | undefined;
}

/** The seed's key space: pgbench's `\set id random(1, 32000000)`. */
export const maxId = 32_000_000;

/** Parses pgbench's -b form: `insert_log`, or `insert_log@3,query_pk@1`. */
export function parseMix(spec: string): WeightedScript[] {
  const scripts = spec.split(',').map((part) => {
    const [name = '', weightText = '1'] = part.trim().split('@');
    if (!Object.hasOwn(scriptCatalog, name)) {
      throw new ConfigError(`unknown script '${name}'`, { hint: `scripts: ${scriptNames.join(', ')}` });
    }
    const weight = Number(weightText);
    if (!Number.isInteger(weight) || weight < 0)
      throw new ConfigError(`script weight must be a whole number: '${part}'`);
    return { name: name as ScriptName, weight };
  });
  if (scripts.every((s) => s.weight === 0))
    throw new ConfigError(`script mix '${spec}' has no positive weight`);
  return scripts;
}

/** The equivalent pgbench script, for side-by-side runs. */
export function pgbenchScript(name: ScriptName): string {
  return `\\set id random(1, ${maxId})\n${scriptCatalog[name].sql.replace('$1', ':id')};\n`;
}
