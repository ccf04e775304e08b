import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ShardmoveConfig } from '../config/config-types.ts';
import { sumPartitions } from '../load/samples.ts';
import type { RehearsalResult } from '../rehearsal/run-rehearsal.ts';
import { summaryLines } from './summary.ts';

/** Config as it ran, minus anything that could hold a credential (external URIs). */
function redactedConfig(config: ShardmoveConfig): unknown {
  return {
    ...config,
    external: config.external ? { proxy: '[redacted]', old: '[redacted]', new: '[redacted]' } : undefined,
  };
}

/**
 * reports/<run-id>/run.json and report.md, and reports/latest pointing at them. The load's
 * ledger is summarised, not dumped; per-second series are kept for the moved partition
 * and the others.
 */
export async function writeRunBundle(
  root: string,
  config: ShardmoveConfig,
  result: RehearsalResult,
): Promise<string> {
  const dir = resolve(root, result.runId);
  await mkdir(dir, { recursive: true });
  const partition = config.topology.movePartition;
  const { ledger, seconds, histograms, ...load } = result.load;
  const run = {
    schemaVersion: 0,
    runId: result.runId,
    provider: result.provider,
    verdict: result.verdict,
    config: redactedConfig(config),
    environment: { node: process.version, ...result.topology.facts, settings: result.topology.settings },
    seeding: result.topology.seeding,
    migration: result.migration,
    dropOld: result.dropOld,
    freezeWindow: result.freezeWindow,
    checks: result.checks,
    load: {
      ...load,
      histograms,
      ledger: ledger.map((p, i) => ({
        partition: i,
        acknowledged: p.ackedIds.length,
        indeterminate: p.indeterminateIds.length,
        rejected: p.rejectedAt.length,
      })),
      series: seconds.map((s) => ({
        second: s.second,
        moved: sumPartitions(s, (p) => p === partition),
        others: sumPartitions(s, (p) => p !== partition),
        scripts: s.scripts,
        reconnects: s.reconnects,
      })),
    },
  };
  await writeFile(join(dir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  await writeFile(join(dir, 'report.md'), `${summaryLines(result, 'markdown').join('\n')}\n`);
  const latest = resolve(root, 'latest');
  await rm(latest, { force: true, recursive: true });
  await symlink(result.runId, latest);
  return dir;
}
