import { ConfigError } from '../../errors.ts';
import { migrateKept } from '../../kept/migrate-kept.ts';
import { phaseLines } from '../../report/summary.ts';
import { type Command, configOptions } from '../command.ts';
import { configFromFlags } from '../config-from-flags.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'move one partition of a kept topology from old to new (no load; then `verify`)',
  usage: `shardmove migrate [--strategy seed|matview|copy|logical] [--partition N] [--logs migrate|leave] [--freeze connstring|table-triggers] [--switch reject|hold] [--json]

Runs a strategy's phases against the topology \`up --keep\` left running, without a load:
a failure before the switch is rolled back. The old database is kept: \`shardmove verify
--drop-old\` checks the move and then drops it. Exits 0 when the partition was moved.

  --strategy S             seed (default), matview, copy or logical
  --partition N            the partition to move (default: 23); it must live on old
  --logs migrate|leave     copy login_log (default) or leave it, as the article does
  --freeze connstring|table-triggers
                           freeze p<N> by its connstring (default, the article's; PL/Proxy
                           reconnects every partition) or by triggers on old's tables
  --switch reject|hold     reject writes to p<N> until the switch (default), or hold them in
                           the pooler and release them on new (logical, pooled topology)
  --hold-deadline-millis N a hold not at the retarget by then resumes on old, rolls back
  --json                   print the migration result as JSON
  --state-dir DIR          the state directory (default: .shardmove)`,
  options: {
    strategy: { type: 'string' },
    partition: configOptions.partition,
    logs: { type: 'string' },
    freeze: { type: 'string' },
    switch: { type: 'string' },
    'hold-deadline-millis': { type: 'string' },
    json: { type: 'boolean' },
    scenario: configOptions.scenario,
    config: configOptions.config,
    'state-dir': configOptions['state-dir'],
  },
  async run({ values, positionals, reporter, out }) {
    if (positionals.length) throw new ConfigError(`migrate takes no arguments, got ${positionals.join(' ')}`);
    const { config } = await configFromFlags(values, { topologyKept: true });
    const result = await migrateKept({
      config,
      freezeChosen: values.freeze !== undefined,
      events: reporter.sink,
    });
    reporter.flush();
    if (values.json) out(JSON.stringify(result, null, 2));
    else {
      for (const line of phaseLines([...result.phases, ...result.rollback])) out(line);
      out(`\n${result.outcome}: ${result.state}`);
    }
    return result.outcome === 'completed' ? 0 : 1;
  },
};
