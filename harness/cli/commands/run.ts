import { ConfigError } from '../../errors.ts';
import { type RehearsalResult, rehearse } from '../../rehearsal/run-rehearsal.ts';
import { summaryLines } from '../../report/summary.ts';
import { writeRunBundle } from '../../report/write-run-bundle.ts';
import { assertNothingKept, keepTopology } from '../../topology/keep-topology.ts';
import { startTopology } from '../../topology/start-topology.ts';
import { type Command, configOptions, configOptionsHelp, seedOptions, seedOptionsHelp } from '../command.ts';
import { configFromFlags } from '../config-from-flags.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'the whole rehearsal: up, seed, load, migrate under load, verify, report',
  usage: `shardmove run [SCENARIO] [--strategy seed|matview|copy] [--logs migrate|leave] [options]

Provisions and seeds the topology, starts the load (open loop: uniform insert_log writers,
plus writers and readers of the moved partition), waits for a baseline, migrates the
partition phase by phase under load, lets it settle, and checks: reads never failed,
writes were rejected only during the freeze, old and new hold the same rows, no
acknowledged write was lost, TPS recovered. The old database is dropped only if all
hold. Writes reports/<run-id>/ and exits 0 only when every check passes.

  SCENARIO                 a scenario from scenarios/ (default: seed-db23)
  --strategy seed|matview|copy     the migration procedure (default: the scenario's)
  --logs migrate|leave     copy login_log (default) or leave it, as the article does
  --partition N            the partition to move (default: 23)
  --keep                   leave the topology running afterwards (stop it with shardmove down)
  --reports DIR            where the bundle goes (default: reports)
${configOptionsHelp}
${seedOptionsHelp}`,
  options: {
    ...configOptions,
    ...seedOptions,
    strategy: { type: 'string' },
    logs: { type: 'string' },
    partition: { type: 'string' },
    keep: { type: 'boolean' },
    reports: { type: 'string' },
  },
  async run({ values, positionals, reporter, out }) {
    if (positionals.length > 1) throw new ConfigError(`run takes one scenario, got ${positionals.join(' ')}`);
    const flags: Record<string, string | boolean | undefined> = {
      ...values,
      scenario: positionals[0] ?? values.scenario,
    };
    if (typeof values.partition === 'string') flags['move-partition'] = values.partition;
    const { config } = await configFromFlags(flags);
    const keep = values.keep === true;
    if (keep) await assertNothingKept(config.stateDir);
    const topology = await startTopology({ config, events: reporter.sink });
    let result: RehearsalResult;
    let kept = false;
    try {
      result = await rehearse(topology, config, reporter.sink);
      if (keep) {
        await keepTopology(topology);
        kept = true;
      }
    } finally {
      if (!kept) await topology.stop();
    }
    const dir = await writeRunBundle(
      typeof values.reports === 'string' ? values.reports : 'reports',
      config,
      result,
    );
    reporter.flush();
    for (const line of summaryLines(result, 'text')) out(line);
    out(`\nreport: ${dir}`);
    return result.verdict === 'pass' ? 0 : 1;
  },
};
