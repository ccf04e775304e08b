import {
  type FreezeMethod,
  type MigrationStrategy,
  migrationStrategies,
  type PoolerKind,
} from '../harness/config/config-types.ts';
import { loadConfig } from '../harness/config/load-config.ts';
import { errorMessage } from '../harness/errors.ts';
import { ignoreEvents } from '../harness/events.ts';
import { runScenario } from '../harness/rehearsal/run-rehearsal.ts';

/**
 * Goals (issue 5): every strategy at the `default` profile (db23 at 1M/1M/500k) under the
 * rehearsal's load, in one run; per strategy the client-observed freeze window, the total
 * migration time, the other partitions' TPS dip, and the freeze window as a ratio to the
 * seed strategy's. copy: at most 0.5 of seed's; logical: under 1 s and at most 0.1 of seed's.
 */
export async function strategiesBench(): Promise<void> {
  const rows: Array<{ strategy: string; freeze: number; total: number; dip: number }> = [];
  // Every strategy with the article's freeze; logical with the trigger freeze as well, and on
  // a pooled topology, where the switch retargets pgbouncer and PL/Proxy reconnects nothing.
  const variants: Array<{ strategy: MigrationStrategy; freeze: FreezeMethod; pooler: PoolerKind }> = [
    ...migrationStrategies.map((strategy) => ({
      strategy,
      freeze: 'connstring' as const,
      pooler: 'none' as const,
    })),
    { strategy: 'logical', freeze: 'table-triggers', pooler: 'none' },
    { strategy: 'logical', freeze: 'table-triggers', pooler: 'pgbouncer' },
  ];
  for (const { strategy: name, freeze, pooler } of variants) {
    const strategy =
      pooler !== 'none' ? `${name}+${pooler}` : freeze === 'connstring' ? name : `${name}+triggers`;
    const { config } = await loadConfig({
      flags: {
        topology: { pooler },
        seeding: { profile: 'default' },
        migration: { strategy: name, freeze },
      },
    });
    let result: Awaited<ReturnType<typeof runScenario>>;
    try {
      result = await runScenario(config, ignoreEvents);
    } catch (error) {
      console.log(`  ${strategy.padEnd(18)} did not finish: ${errorMessage(error)}`);
      continue;
    }
    const ran = result.migration.phases.flatMap((p) => (p.status === 'not-run' ? [] : [p]));
    const first = ran[0];
    const last = ran.at(-1);
    const total = first && last ? (last.endedAt - first.startedAt) / 1000 : Number.NaN;
    const tps = result.checks.find((c) => c.name === 'tps recovery')?.evidence;
    const dip = tps ? 1 - Number(tps.othersLowestWindow) / Number(tps.othersBaseline) : Number.NaN;
    rows.push({ strategy, freeze: result.freezeWindow.seconds ?? Number.NaN, total, dip });
    console.log(
      `  ${strategy.padEnd(18)} freeze window ${result.freezeWindow.seconds?.toFixed(2)} s, migration ${total.toFixed(1)} s, ` +
        `others' deepest dip ${(dip * 100).toFixed(0)}% (${result.migration.outcome}, checks: ${result.checks.filter((c) => c.passed).length}/5)`,
    );
    for (const c of result.checks.filter((k) => !k.passed))
      console.log(`          failed ${c.name}: ${c.summary}`);
  }
  const seed = rows.find((r) => r.strategy === 'seed')?.freeze ?? Number.NaN;
  console.log(
    '  the article: about 166 s of copy and index build in the freeze, plus 27 s of refresh, on its hardware',
  );
  for (const r of rows) {
    const ratio = r.freeze / seed;
    const goal =
      r.strategy === 'copy'
        ? ` (goal <= 0.5: ${ratio <= 0.5 ? 'met' : 'NOT met'})`
        : r.strategy.startsWith('logical')
          ? ` (goal <= 0.1 and under 1 s: ${ratio <= 0.1 && r.freeze < 1 ? 'met' : 'NOT met'})`
          : '';
    console.log(
      `  ${r.strategy.padEnd(18)} freeze window / seed's: ${ratio.toFixed(ratio < 0.01 ? 4 : 2)}${goal}`,
    );
  }
}
