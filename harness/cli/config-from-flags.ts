import { type LoadedConfig, loadConfig } from '../config/load-config.ts';
import { ConfigError } from '../errors.ts';
import { faultPlanProblem } from '../faults/fault-plan.ts';

/** --partition, or its older spelling --move-partition: one flag, and two that disagree are an error. */
function partitionFlag(values: Record<string, string | boolean | undefined>): number | undefined {
  const short = integerFlag(values.partition, 'partition');
  const long = integerFlag(values['move-partition'], 'move-partition');
  if (short !== undefined && long !== undefined && short !== long)
    throw new ConfigError(`--partition ${short} and --move-partition ${long} disagree: give one`);
  return short ?? long;
}

function integerFlag(value: string | boolean | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw new ConfigError(`--${flag} must be an integer, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** Maps the shared config flags onto config keys and loads the layered config. */
export async function configFromFlags(
  values: Record<string, string | boolean | undefined>,
  options: { readonly topologyKept?: boolean } = {},
): Promise<LoadedConfig> {
  const str = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const loaded = await loadConfig({
    scenario: str('scenario'),
    configFile: str('config'),
    env: process.env,
    topologyKept: options.topologyKept === true,
    flags: {
      provider: str('provider'),
      topology: {
        partitions: integerFlag(values.partitions, 'partitions'),
        pooler: str('pooler'),
        movePartition: partitionFlag(values),
      },
      stateDir: str('state-dir'),
      local: {
        network: str('network'),
        delayMillis: integerFlag(values['delay-millis'], 'delay-millis'),
        bandwidthMbit: integerFlag(values['bandwidth-mbit'], 'bandwidth-mbit'),
        privileges: str('privileges'),
      },
      migration: {
        strategy: str('strategy'),
        logs: str('logs'),
        freeze: str('freeze'),
        switch: str('switch'),
        holdDeadlineMillis: integerFlag(values['hold-deadline-millis'], 'hold-deadline-millis'),
      },
      seeding: {
        profile: str('profile'),
        data: str('data'),
        fakerSeed: integerFlag(values['faker-seed'], 'faker-seed'),
        moved: {
          userinfoRows: integerFlag(values['moved-userinfo-rows'], 'moved-userinfo-rows'),
          tblSmallRows: integerFlag(values['moved-tbl-small-rows'], 'moved-tbl-small-rows'),
        },
        others: {
          userinfoRows: integerFlag(values['others-userinfo-rows'], 'others-userinfo-rows'),
          tblSmallRows: integerFlag(values['others-tbl-small-rows'], 'others-tbl-small-rows'),
        },
        parallelShards: integerFlag(values['parallel-shards'], 'parallel-shards'),
        truncate: values.truncate === true ? true : undefined,
      },
      allowDestructive: values['allow-destructive'] === true ? true : undefined,
      allowPlaintextPassword: values['allow-plaintext-password'] === true ? true : undefined,
      rehearsal: { rate: str('rate'), andBack: values['and-back'] === true ? true : undefined },
      load: { clients: integerFlag(values.clients, 'clients') },
    },
  });
  // A fault plan depends on the strategy's phases, which the config layer does not know.
  const problem = faultPlanProblem(loaded.config);
  if (problem) throw new ConfigError(problem);
  return loaded;
}
