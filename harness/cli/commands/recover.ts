import { ConfigError } from '../../errors.ts';
import { recoverKept } from '../../kept/recover-kept.ts';
import { phaseLines } from '../../report/summary.ts';
import { type Command, configOptions } from '../command.ts';
import { configFromFlags } from '../config-from-flags.ts';

export const recoverCommand: Command = {
  name: 'recover',
  summary: 'finish or roll back a `migrate` that was interrupted (Ctrl-C, kill -9, a crash)',
  usage: `shardmove recover [--state-dir DIR]

Finds an interrupted migration from the journal \`migrate\` keeps in the state directory,
then looks at where the proxy sends the partition: on new (the switch happened), it drops
what is left of the replication and checks parity with old (kept); otherwise it rolls
back: the partition back on old read-write, what was created on new dropped. Exits 0 when
the partition is read-write on one side and the journal is gone.

  --state-dir DIR          the state directory (default: .shardmove)`,
  options: {
    'state-dir': configOptions['state-dir'],
    scenario: configOptions.scenario,
    config: configOptions.config,
  },
  async run({ values, positionals, reporter, out }) {
    if (positionals.length) throw new ConfigError(`recover takes no arguments, got ${positionals.join(' ')}`);
    const { config } = await configFromFlags(values, { topologyKept: true });
    const recovered = await recoverKept(config, reporter.sink);
    reporter.flush();
    if (recovered.found === 'nothing') {
      out('nothing to recover: no interrupted migration in the state directory');
      return 0;
    }
    const { journal, recovery, done } = recovered;
    out(
      `found: ${recovery.found} (a ${journal.strategy} migration started ${journal.startedAt} by pid ${journal.pid})`,
    );
    for (const line of phaseLines(recovery.phases)) out(line);
    out(`${recovery.action}: ${recovery.state}`);
    return done ? 0 : 1;
  },
};
