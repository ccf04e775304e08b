import { join } from 'node:path';
import { comparisonLines } from '../../compare/format-comparison.ts';
import { gate, readBaseline } from '../../compare/gate.ts';
import { ConfigError } from '../../errors.ts';
import { newRunId } from '../../provision/run-id.ts';
import { runScenarioThereAndBack } from '../../rehearsal/and-back.ts';
import type { RehearsalResult } from '../../rehearsal/rehearsal-result.ts';
import { runScenario } from '../../rehearsal/run-rehearsal.ts';
import { buildInfo } from '../../report/build-info.ts';
import { type RunDocument, runDocument } from '../../report/run-document.ts';
import { summaryLines } from '../../report/summary.ts';
import { linkLatest, writeRunBundle } from '../../report/write-run-bundle.ts';
import { assertNothingKept } from '../../topology/keep-topology.ts';
import { exitCodeOf, exitCodes, type Verdict } from '../../verify/verdict.ts';
import { type Command, configOptions, configOptionsHelp, seedOptions, seedOptionsHelp } from '../command.ts';
import { configFromFlags } from '../config-from-flags.ts';
import { wholeNumberFlag } from '../flag-values.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'the whole rehearsal: up, seed, load, migrate under load, verify, report',
  usage: `shardmove run [CASE] [--strategy seed|matview|copy|logical] [--logs migrate|leave] [--freeze connstring|table-triggers] [--rate R] [options]

Provisions and seeds the topology, starts the load (uniform insert_log writers, plus
writers and readers of the moved partition), warms it up until every client's proxy
session reaches every partition and throughput is steady, measures capacity with a short
closed-loop probe, runs open loop at the calibrated rate for a baseline, migrates the
partition phase by phase under load, waits until throughput is back, and checks: reads
never failed, writes were rejected only during the freeze, old and new hold the same
rows, no acknowledged write was lost, TPS recovered. The old database is dropped only if
all hold. Writes reports/<run-id>/ (run.json, report.md, aggregate.log, charts/,
index.html).

Exit codes: 0 every check and threshold as the scenario declares it (a declared expected
failure that fails is as declared); 1 one differs; 2 bad input, nothing started;
3 inconclusive: the run could not measure what it claims (warm-up never steady, the
baseline could not hold the rate, the generator saturated, lag or skips over their
limits): the reasons come first, and when known before the migration nothing was changed.

  CASE                     a built-in case from scenarios/ (default: seed-db23), or a case
                           folder of your own (./my-case; shardmove init writes one)
  --strategy seed|matview|copy|logical   the migration procedure: that strategy's built-in
                           steps (default: the case's steps)
  --logs migrate|leave     copy login_log (default) or leave it, as the article does
  --freeze connstring|table-triggers
                           freeze p<N> by its connstring (default, the article's; PL/Proxy
                           reconnects every partition) or by triggers on old's tables
  --switch reject|hold     reject writes to p<N> from the freeze to the switch (default), or
                           hold them in the pooler and release them on new (logical, pooled:
                           scenario logical-db23-hold)
  --hold-deadline-millis N a hold not at the retarget by then resumes on old and rolls back
                           (default 3000)
  --rate R                 the load's rate: calls per second in all (1500) or a share of the
                           capacity measured after the warm-up (40%, the default)
  --clients N              uniform insert_log writers, one connection each (default: 30)
  --keep                   leave the topology running afterwards (stop it with shardmove down)
  --reports DIR            where the bundle goes (default: reports)
  --repeat N               run the whole rehearsal N times, bundles in one directory (for compare;
                           with --and-back the moves back in a second, <set>-back)
  --baseline PATH          a CI gate: compare this run (or --repeat's runs) with a committed
                           baseline (a run.json, a bundle, or a directory of them) as
                           compare does, print what moved, and exit 1 on a regression
                           beyond the noise (see docs/ci-gate.md)
  --and-back               once the move passed, move the partition back to old under a fresh
                           load, with the same checks; the ledger counts both moves
                           (rehearsal.andBack; a second bundle, <run-id>-back)
${configOptionsHelp}
${seedOptionsHelp}`,
  options: {
    ...configOptions,
    ...seedOptions,
    strategy: { type: 'string' },
    logs: { type: 'string' },
    freeze: { type: 'string' },
    switch: { type: 'string' },
    'hold-deadline-millis': { type: 'string' },
    partition: configOptions.partition,
    rate: { type: 'string' },
    clients: { type: 'string' },
    keep: { type: 'boolean' },
    reports: { type: 'string' },
    repeat: { type: 'string' },
    'and-back': { type: 'boolean' },
    baseline: { type: 'string' },
  },
  async run({ values, positionals, reporter, out }) {
    if (positionals.length > 1) throw new ConfigError(`run takes one case, got ${positionals.join(' ')}`);
    const flags: Record<string, string | boolean | undefined> = {
      ...values,
      scenario: positionals[0] ?? values.scenario,
    };
    const { config, scenario } = await configFromFlags(flags);
    const keep = values.keep === true;
    const repeat = wholeNumberFlag(values.repeat, '--repeat', 1, 50) ?? 1;
    if (keep && repeat > 1) throw new ConfigError('--keep keeps one topology; it cannot go with --repeat');
    if (keep) await assertNothingKept(config.stateDir);
    // Read and checked before anything is provisioned: a wrong path costs nothing.
    const baseline = typeof values.baseline === 'string' ? await readBaseline(values.baseline) : undefined;
    const documents: RunDocument[] = [];
    const reportsRoot = typeof values.reports === 'string' ? values.reports : 'reports';
    // Repeated runs share one directory, which compare reads as one side with a range.
    const root = repeat > 1 ? join(reportsRoot, newRunId().replace(/^sm-/, 'set-')) : reportsRoot;
    const build = await buildInfo();
    // One verdict per run: with --and-back, the worse of its two moves.
    const verdicts: Verdict[] = [];
    const report = async (result: RehearsalResult, move?: 'there' | 'back'): Promise<Verdict> => {
      const named = move === 'back' ? { ...result, runId: `${result.runId}-back` } : result;
      const doc = runDocument(config, named, build, { scenario: scenario.name, move });
      // The moves back go the other way: a set of their own, or compare would mix directions.
      const dir = await writeRunBundle(move === 'back' && repeat > 1 ? `${root}-back` : root, doc);
      if (move !== 'back') documents.push(doc);
      reporter.flush();
      if (move) out(`\n== the move ${move} ==`);
      for (const line of summaryLines(doc, 'text')) out(line);
      out(`\nreport: ${dir}/index.html`);
      return doc.verdict;
    };
    for (let i = 1; i <= repeat; i++) {
      if (repeat > 1) reporter.sink({ type: 'info', message: `run ${i} of ${repeat}` });
      if (!config.rehearsal.andBack) {
        verdicts.push(await report(await runScenario(config, reporter.sink, { keep })));
        continue;
      }
      const moves = await runScenarioThereAndBack(config, reporter.sink, { keep });
      const there = await report(moves.there, 'there');
      if (moves.back) verdicts.push(worstVerdict([there, await report(moves.back, 'back')]));
      else {
        out(`\nno move back: ${moves.backSkipped}`);
        // Asked for and not made: a passing move there is not enough.
        verdicts.push(there === 'pass' ? 'fail' : there);
      }
    }
    const passed = verdicts.filter((v) => v === 'pass').length;
    const inconclusive = verdicts.filter((v) => v === 'inconclusive').length;
    if (repeat > 1) {
      await linkLatest(reportsRoot, root);
      out(
        `\n${passed} of ${repeat} runs passed${inconclusive ? `, ${inconclusive} inconclusive` : ''}; all bundles in ${root} (compare reads it as one side)` +
          (config.rehearsal.andBack ? `, the moves back in ${root}-back (a side of their own)` : ''),
      );
    }
    const verdict = worstVerdict(verdicts);
    if (!baseline) return exitCodeOf(verdict);
    const { comparison, mismatch } = gate(baseline, documents, config.compare.tolerance);
    out(`\n== gate: against the baseline ${values.baseline} ==`);
    if (mismatch) {
      out(`cannot judge: ${mismatch}`);
      return exitCodes.badInput;
    }
    for (const line of comparisonLines(comparison, 'text')) out(line);
    // The run's own verdict first (a failed check is a failure whatever the baseline says).
    if (verdict !== 'pass') return exitCodeOf(verdict);
    return comparison.regressed ? exitCodes.fail : exitCodes.pass;
  },
};

/** A failure outranks an inconclusive run: something was judged, and it did not hold. */
function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  return verdicts.includes('inconclusive') ? 'inconclusive' : 'pass';
}
