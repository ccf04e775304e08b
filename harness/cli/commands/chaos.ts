import { randomInt } from 'node:crypto';
import { crashCaseLabel } from '../../chaos/crash-matrix.ts';
import { runChaos } from '../../chaos/run-chaos.ts';
import { migrationStrategies } from '../../config/config-types.ts';
import { ConfigError } from '../../errors.ts';
import type { Command } from '../command.ts';
import { strategyList, wholeNumberFlag } from '../flag-values.ts';

export const chaosCommand: Command = {
  name: 'chaos',
  summary: 'kill -9 `migrate` at every phase of every strategy, then `recover`, and check what is left',
  usage: `shardmove chaos [--strategy S[,S...]] [--phase NAME] [--sample N] [--seed N] [--json]

The crash matrix: for each strategy and each of its phases, a local topology of its own
(ci profile), a writer on p23 through the proxy, \`migrate\` killed -9 as the phase starts,
then \`recover\`. A case passes when p23 is read-write on exactly one side, no acknowledged
write is lost, no replication object, FDW server, user mapping or freeze trigger is left,
and a second \`migrate\` works. Prints each case and N/N; exits 0 when all passed.
About a minute per case on a fast host (more where connections are expensive).

  --strategy S[,S...]      the strategies (default: all four)
  --phase NAME             only the cases killed as this phase starts (e.g. "catch-up")
  --sample N               run N cases drawn from the matrix by the seed (default: all)
  --seed N                 the seed of the sample (default: random, printed)
  --json                   print the result as JSON`,
  options: {
    strategy: { type: 'string' },
    phase: { type: 'string' },
    sample: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals, reporter, out }) {
    if (positionals.length) throw new ConfigError(`chaos takes no arguments, got ${positionals.join(' ')}`);
    const strategies = strategyList(values.strategy) ?? [...migrationStrategies];
    const sample = wholeNumberFlag(values.sample, '--sample', 1);
    const seed = wholeNumberFlag(values.seed, '--seed', 0) ?? randomInt(2 ** 31);
    reporter.sink({ type: 'info', message: `crash matrix seed ${seed}` });
    const phase = values.phase as string | undefined;
    const result = await runChaos({ strategies, sample, seed, phase }, reporter.sink);
    if (result.cases.length === 0)
      throw new ConfigError(`no phase "${phase}" in the ${strategies.join(', ')} strategies`);
    reporter.flush();
    if (values.json) out(JSON.stringify(result, null, 2));
    else {
      for (const r of result.cases) {
        const mark = r.passed ? 'PASS' : 'FAIL';
        out(
          `${mark} ${crashCaseLabel(r.crash)} killed at "${r.crash.phase}": ${r.ended}, ${r.acknowledgedWrites} acknowledged writes (${r.seconds.toFixed(0)} s)`,
        );
        for (const problem of r.problems) out(`     ${problem}`);
      }
      out(
        `\n${result.passed}/${result.cases.length} passed (matrix of ${result.matrixSize}, seed ${result.seed})`,
      );
    }
    return result.passed === result.cases.length ? 0 : 1;
  },
};
