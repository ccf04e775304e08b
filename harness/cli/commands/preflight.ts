import { ConfigError } from '../../errors.ts';
import { preflightKept } from '../../kept/preflight-kept.ts';
import { readinessLines } from '../../readiness/check-readiness.ts';
import { type Command, configOptions } from '../command.ts';
import { configFromFlags } from '../config-from-flags.ts';

export const preflightCommand: Command = {
  name: 'preflight',
  summary: 'go or no-go for moving a partition of the kept topology, with reasons; changes nothing',
  usage: `shardmove preflight [--strategy seed|matview|copy|logical] [--partition N] [--proxy-backends N] [--json]

Reads the kept topology (\`up --keep\`, any provider; external hosts included) and answers
whether a move would fail or lose data: the functions the proxy calls (on old and, once it
exists, on new: result, body, owner, grants, settings), extensions, tables without a key
(logical), sessions on old's shard that the freeze would wait on, replication slots, WAL
senders and privileges (logical), new's free connections and disk, the nodes' clocks.
Every migration runs the same gate as its first phase. Exits 0 on go, 1 on no-go.

  --strategy S             the strategy to check for (default: seed)
  --partition N            the partition to move (default: 23)
  --proxy-backends N       proxy backends that will reach the partition beyond those
                           connected to old's shard now (default: 0)
  --json                   print the answer as JSON
  --state-dir DIR          the state directory (default: .shardmove)`,
  options: {
    strategy: { type: 'string' },
    partition: configOptions.partition,
    'proxy-backends': { type: 'string' },
    json: { type: 'boolean' },
    scenario: configOptions.scenario,
    config: configOptions.config,
    'state-dir': configOptions['state-dir'],
  },
  async run({ values, positionals, reporter, out }) {
    if (positionals.length)
      throw new ConfigError(`preflight takes no arguments, got ${positionals.join(' ')}`);
    const backends = Number(values['proxy-backends'] ?? 0);
    if (!Number.isInteger(backends) || backends < 0) {
      throw new ConfigError(`--proxy-backends must be a whole number, got ${values['proxy-backends']}`);
    }
    const { config } = await configFromFlags(values, { topologyKept: true });
    const readiness = await preflightKept({ config, expectedProxyBackends: backends, events: reporter.sink });
    reporter.flush();
    if (values.json) out(JSON.stringify(readiness, null, 2));
    else for (const line of readinessLines(readiness)) out(line);
    return readiness.go ? 0 : 1;
  },
};
