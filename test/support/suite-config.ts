import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What the integration suite changes of a scenario, unless a test says otherwise. The
 * suite's time is its rehearsals' reconnection storms (PL/Proxy opens clients x partitions
 * connections at the warm-up, the freeze and the switch: 8 proxy backends instead of 38
 * make each storm a fifth as long), its seeding and copies (the tiny profile: every phase
 * still moves rows), and its fixed windows (baseline, settle, steady, probe). What the
 * tests assert does not depend on these; a test about sizes or load shape sets its own.
 */
export const suiteDefaults = {
  seeding: { profile: 'tiny' },
  load: { clients: 4 },
  rehearsal: {
    movedWriterClients: 2,
    readerClients: 2,
    steadyWindowSeconds: 2,
    probeSeconds: 2,
    // The windows the suite's rehearsals passed with at 12 writers: with 4 s each, one of
    // migration.test's four rehearsals here ended before its move began.
    baselineSeconds: 6,
    settleSeconds: 7,
    microBenchmarkMillis: 0,
  },
};

/**
 * For a test about what a run does and leaves (signals, `down`, journals), not its verdict:
 * a baseline that fell behind its schedule on a busy host stops the run before its move
 * (exit 3, inconclusive), and such a test then never sees the phase it waits for. The
 * CI run of 50b201c lost one so (external-provider, 225 ms behind at 1672 tps).
 */
export const lifecycleOnly = {
  rehearsal: { baselineMaxLagMillis: 600_000, baselineMinRateRatio: 0, baselineMaxSkippedShare: 1 },
};

/**
 * The suite's size before the tiny profile (ci profile, 12 writers, 4 + 4 on the moved
 * partition), for a test whose judgement needs that load: at 8 backends the pooled matview
 * move and the held switch failed a test each in the fresh-clone run of c9f3e3d (issue 32).
 */
export const ciSize = {
  seeding: { profile: 'ci' },
  load: { clients: 12 },
  rehearsal: { movedWriterClients: 4, readerClients: 4 },
};

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const current = out[k];
    out[k] = isObject(current) && isObject(v) ? deepMerge(current, v) : v;
  }
  return out;
}

/**
 * The suite's defaults (and a test's own layer over them) as a config file, for a test that
 * runs the CLI as a user does: `--config <this>`. A `--profile` or `--clients` flag beside it
 * wins, as flags do.
 */
export async function suiteConfigFile(dir: string, over: Record<string, unknown> = {}): Promise<string> {
  const file = join(dir, 'suite-config.json');
  await writeFile(file, JSON.stringify(deepMerge(suiteDefaults, over)));
  return file;
}
