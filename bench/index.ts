import { parseArgs } from 'node:util';
import { type ScriptName, scriptNames } from '../harness/load/scripts.ts';
import { holdBench } from './hold.ts';
import { loadVsPgbenchBench } from './load-vs-pgbench.ts';
import { parityBench } from './parity.ts';
import { perCallBench } from './per-call.ts';
import { predictBench } from './predict.ts';
import { providerTpsBench } from './provider-tps.ts';
import { seedFullMemoryBench, seedingBench } from './seeding.ts';
import { snapshotRestoreBench } from './snapshot-restore.ts';
import { strategiesBench } from './strategies.ts';

/**
 * `npm run bench [-- --only NAME] [--quick]`: every benchmark prints its figures and a ratio
 * against a reference measured in the same run. Benchmarks never fail the build; goals are
 * reported as met or not. `load-vs-pgbench` also takes `--clients 1,8`, `--scripts a,b` and
 * `--rounds N`, to measure part of its matrix with more rounds.
 */
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean' },
    clients: { type: 'string' },
    scripts: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const quick = values.quick === true;
const list = (text: string | undefined) => text?.split(',').map((x) => x.trim());
const clientCounts = list(values.clients)?.map(Number) ?? [1, 8, 30, 100];
const scripts = (list(values.scripts) ?? scriptNames) as ScriptName[];
const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
for (const n of [...clientCounts, ...(rounds === undefined ? [] : [rounds])]) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`--clients and --rounds take whole numbers >= 1`);
}
for (const name of scripts) {
  if (!scriptNames.includes(name)) throw new Error(`unknown script '${name}': ${scriptNames.join(', ')}`);
}
const benches: Record<string, () => Promise<void>> = {
  'provider-tps': () =>
    providerTpsBench({ rounds: quick ? 2 : 4, durationSeconds: quick ? 12 : 20, clients: 30 }),
  seeding: () => seedingBench({ rounds: quick ? 1 : 3 }),
  'load-vs-pgbench': () =>
    loadVsPgbenchBench({
      rounds: rounds ?? (quick ? 1 : 2),
      durationSeconds: quick ? 15 : 30,
      steadySeconds: 5,
      clientCounts,
      scripts,
    }),
  'per-call': () => perCallBench({ timeMillis: quick ? 1000 : 3000, provider: 'local' }),
  'snapshot-restore': () => snapshotRestoreBench(),
  parity: () => parityBench({ rounds: quick ? 3 : 5 }),
  strategies: () => strategiesBench(),
  hold: () => holdBench({ moves: quick ? 2 : 5, profile: 'ci', slowMillis: 50 }),
  predict: () => predictBench({ quick }),
  'seed-full-memory': () => seedFullMemoryBench(),
};
for (const [name, bench] of Object.entries(benches)) {
  if (values.only && values.only !== name) continue;
  console.log(`\n== ${name}`);
  await bench();
}
