import { type MigrationStrategy, migrationStrategies } from '../config/config-types.ts';
import { ConfigError } from '../errors.ts';

/** --strategy S[,S...]: each a known strategy; undefined when the flag is absent. */
export function strategyList(text: string | boolean | undefined): MigrationStrategy[] | undefined {
  if (typeof text !== 'string') return undefined;
  const names = text.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !migrationStrategies.includes(n as MigrationStrategy));
  if (unknown.length)
    throw new ConfigError(`unknown strategy ${unknown.join(', ')}`, {
      hint: `strategies: ${migrationStrategies.join(', ')}`,
    });
  return names as MigrationStrategy[];
}

/** A whole-number flag within [min, max]; undefined when absent. */
export function wholeNumberFlag(
  text: string | boolean | undefined,
  flag: string,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(
      Number.isFinite(max)
        ? `${flag} must be a whole number from ${min} to ${max}, got ${String(text)}`
        : `${flag} must be a whole number of at least ${min}, got '${String(text)}'`,
    );
  return n;
}
