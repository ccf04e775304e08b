import { ConfigError } from '../../errors.ts';
import { verifyKept } from '../../kept/verify-kept.ts';
import { type Command, configOptions } from '../command.ts';
import { configFromFlags } from '../config-from-flags.ts';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check a partition moved by `migrate`: routing, reads, parity with old; --drop-old',
  usage: `shardmove verify [--partition N] [--drop-old] [--json]

Against the kept topology: the proxy routes the partition to new, read-write; a read
through the proxy reaches the shard on new; and, while the old copy exists, old and new
hold the same rows (userinfo, session, tbl_small, login_log; login_log differs once writes
have reached new since the move). Exits 0 when every check holds.

  --partition N            the partition (default: 23)
  --drop-old               when every check holds, drop the old copy (only one shardmove created,
                           unless --allow-destructive)
  --json                   print the checks as JSON
  --state-dir DIR          the state directory (default: .shardmove)`,
  options: {
    partition: configOptions.partition,
    'drop-old': { type: 'boolean' },
    json: { type: 'boolean' },
    'allow-destructive': configOptions['allow-destructive'],
    scenario: configOptions.scenario,
    config: configOptions.config,
    'state-dir': configOptions['state-dir'],
  },
  async run({ values, positionals, reporter, out }) {
    if (positionals.length) throw new ConfigError(`verify takes no arguments, got ${positionals.join(' ')}`);
    const { config } = await configFromFlags(values, { topologyKept: true });
    const {
      checks,
      passed,
      dropOld: dropped,
    } = await verifyKept(config, {
      dropOld: values['drop-old'] === true,
      events: reporter.sink,
    });
    reporter.flush();
    if (values.json) out(JSON.stringify({ checks, dropOld: dropped }, null, 2));
    else {
      for (const c of checks) out(`  ${c.passed ? 'ok  ' : 'FAIL'} ${c.name}: ${c.summary}`);
      if (dropped)
        out(`  drop old: ${dropped.status === 'failed' ? `failed: ${dropped.error}` : dropped.status}`);
    }
    return passed && dropped?.status !== 'failed' ? 0 : 1;
  },
};
