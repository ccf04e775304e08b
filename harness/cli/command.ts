import type { ParseArgsConfig } from 'node:util';
import type { Reporter } from './reporter.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: readonly string[];
  readonly reporter: Reporter;
  /** Results (JSON, connection info) go to stdout; progress goes to the reporter (stderr). */
  readonly out: (text: string) => void;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionSpec;
  run(context: CommandContext): Promise<number>;
}

/** Flags every command that builds a config accepts. */
export const configOptions = {
  provider: { type: 'string' },
  scenario: { type: 'string' },
  config: { type: 'string' },
  partitions: { type: 'string' },
  partition: { type: 'string' },
  'move-partition': { type: 'string' },
  'state-dir': { type: 'string' },
  pooler: { type: 'string' },
  network: { type: 'string' },
  'delay-millis': { type: 'string' },
  'bandwidth-mbit': { type: 'string' },
  privileges: { type: 'string' },
  'allow-destructive': { type: 'boolean' },
  'allow-plaintext-password': { type: 'boolean' },
} as const satisfies OptionSpec;

export const configOptionsHelp = `  --provider auto|containers|local|external   where the nodes run (default: auto)
  --scenario CASE          a built-in case (scenarios/<name>/) or a case folder (default: seed-db23)
  --config FILE            JSON config layered over the scenario
  --partitions N           partition count, a power of two (default: 32)
  --partition N            the partition to move (default: 23; --move-partition, the older
                           spelling, is the same flag)
  --state-dir DIR          where up --keep writes its state (default: .shardmove)
  --pooler none|pgbouncer  pgbouncer: PL/Proxy reaches the data nodes through a pgbouncer on
                           the proxy's host, and the switch retargets it (needs
                           --freeze table-triggers; default: none, the seed's)
  --network loopback|netns local provider: netns puts each node in a network namespace of
                           its own, with its own address on a bridge (root; default: loopback)
  --delay-millis N         netns: one-way delay each node adds to what it sends (tc netem)
  --bandwidth-mbit N       netns: the rate each node sends at, at most (tc tbf)
  --privileges superuser|managed
                           local provider: managed hands out old and new as a managed
                           service does: the harness's role is no superuser (default: superuser)
  --allow-destructive      allow dropping databases shardmove did not create
  --allow-plaintext-password
                           external: send a URI's password over plain TCP to a host that is
                           not loopback (by default such a URI needs sslmode=require or
                           stronger)`;

/** Flags of the seeding step (up, seed). */
export const seedOptions = {
  profile: { type: 'string' },
  data: { type: 'string' },
  'faker-seed': { type: 'string' },
  'moved-userinfo-rows': { type: 'string' },
  'moved-tbl-small-rows': { type: 'string' },
  'others-userinfo-rows': { type: 'string' },
  'others-tbl-small-rows': { type: 'string' },
  'parallel-shards': { type: 'string' },
  truncate: { type: 'boolean' },
} as const satisfies OptionSpec;

export const seedOptionsHelp = `  --profile full|default|ci|tiny|none   data volume (default: default; tiny: a smoke run; none: no data)
  --data faker|seed        faker: realistic deterministic values; seed: the article's NULLs
  --faker-seed N           seed of the faker values (same seed, same rows)
  --moved-userinfo-rows N, --moved-tbl-small-rows N, --others-userinfo-rows N,
  --others-tbl-small-rows N        override one size of the profile (session = userinfo)
  --parallel-shards N      shards loaded at once (default: 4)
  --truncate               reseed a topology that already holds rows`;
