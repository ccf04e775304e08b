import type { NodeRole } from '../config/config-types.ts';
import type { Endpoint } from '../config/dsn.ts';
import type { NodesHandle } from '../db/node-access.ts';
import { sweepContainers } from '../provision/containers-sweep.ts';
import { dockerReachable } from '../provision/docker-engine.ts';
import { dropRunDatabases } from '../provision/external-provider.ts';
import { currentNamespace } from '../provision/labels.ts';
import { localRunDirs, sweepLocalRun } from '../provision/local-sweep.ts';
import { forgetExternalRun, recordedExternalRuns } from '../state/external-runs.ts';
import { describeIdentity, livenessOf } from '../util/process-identity.ts';

/** Removes what a kept topology's provider created, from its handle alone. */
export async function stopByHandle(
  handle: NodesHandle,
  endpoints: () => Promise<Record<NodeRole, Endpoint>>,
  connectTimeoutMillis: number,
): Promise<string> {
  switch (handle.provider) {
    case 'local': {
      const { stopped } = await sweepLocalRun(handle.baseDir);
      return `stopped ${stopped} local server(s) (postmasters, pgbouncer) and removed ${handle.baseDir}`;
    }
    case 'containers': {
      const { containers, networks } = await sweepContainers({ runId: handle.runId });
      return `removed ${containers} container(s) and ${networks} network(s)`;
    }
    case 'external': {
      const dropped = await dropRunDatabases(await endpoints(), handle.runId, connectTimeoutMillis);
      return `dropped ${dropped.length} database(s) this run created on the external hosts`;
    }
  }
}

/**
 * What runs on external hosts, recorded in the state directory and killed before they
 * stopped, left there. A run whose process still runs (or ran on another host, which this
 * one cannot see) is mid-move: dropping its databases would break a live migration, so it
 * is left alone and said so.
 */
export async function finishExternalRuns(stateDir: string, connectTimeoutMillis = 10_000): Promise<string[]> {
  const report: string[] = [];
  for (const run of await recordedExternalRuns(stateDir)) {
    const liveness = run.owner ? livenessOf(run.owner) : 'gone';
    if (run.owner && liveness !== 'gone') {
      report.push(
        liveness === 'alive'
          ? `external run ${run.runId}: still running (${describeIdentity(run.owner)}), left alone; stop that process, or let it finish`
          : `external run ${run.runId}: recorded by ${describeIdentity(run.owner)}, which this host cannot see; left alone (run \`shardmove down\` there)`,
      );
      continue;
    }
    const dropped = await dropRunDatabases(run.endpoints, run.runId, connectTimeoutMillis);
    await forgetExternalRun(stateDir, run.runId);
    report.push(
      `external run ${run.runId}: dropped ${dropped.length} database(s) it created (its subscriptions and slots first)`,
    );
  }
  return report;
}

/** Everything shardmove ever labelled on this machine: containers, networks, local instances. */
export async function sweepEverything(): Promise<string[]> {
  const report: string[] = [];
  if (await dockerReachable()) {
    const { containers, networks } = await sweepContainers('all');
    const namespace = currentNamespace();
    report.push(
      `removed ${containers} container(s) and ${networks} network(s) labelled dev.shardmove.managed${namespace ? ` in namespace ${namespace}` : ''}`,
    );
  } else report.push('no Docker engine reachable: no containers to sweep');
  const dirs = await localRunDirs();
  let stopped = 0;
  for (const dir of dirs) stopped += (await sweepLocalRun(dir)).stopped;
  report.push(
    `stopped ${stopped} local server(s) (postmasters, pgbouncer), removed ${dirs.length} run directorie(s)`,
  );
  return report;
}
