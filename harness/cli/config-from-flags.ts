import { type LoadedConfig, loadConfig } from '../config/load-config.ts';
import { ConfigError } from '../errors.ts';

function integerFlag(value: string | boolean | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw new ConfigError(`--${flag} must be an integer, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** Maps the shared config flags onto config keys and loads the layered config. */
export function configFromFlags(values: Record<string, string | boolean | undefined>): Promise<LoadedConfig> {
  const str = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  return loadConfig({
    scenario: str('scenario'),
    configFile: str('config'),
    env: process.env,
    flags: {
      provider: str('provider'),
      topology: {
        partitions: integerFlag(values.partitions, 'partitions'),
        movePartition: integerFlag(values['move-partition'], 'move-partition'),
      },
      stateDir: str('state-dir'),
      allowDestructive: values['allow-destructive'] === true ? true : undefined,
    },
  });
}
