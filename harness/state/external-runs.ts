import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type NodeRole, nodeRoles } from '../config/config-types.ts';
import { type Endpoint, formatDsn } from '../config/dsn.ts';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { currentProcess, type ProcessIdentity } from '../util/process-identity.ts';
import { endpointWithPgpass, writePgpass } from './pgpass.ts';
import { statePaths } from './state-file.ts';

/**
 * A run on external hosts leaves databases there (and, mid-move, a subscription and a
 * slot). While it runs, where the hosts are is written in the state directory, passwords
 * only in a mode-0600 pgpass file beside it, so that if the process is killed -9,
 * `down` finds them and drops what the run created, once the process that ran it is gone.
 * Removed when the run stops.
 */
interface ExternalRunRecord {
  readonly runId: string;
  readonly nodes: Record<NodeRole, string>;
  /** The process running it: `down` from another process must not drop a run that still runs. */
  readonly owner?: ProcessIdentity;
}

export interface RecordedExternalRun {
  readonly runId: string;
  readonly endpoints: Record<NodeRole, Endpoint>;
  /** Absent in a record written before owners were recorded. */
  readonly owner: ProcessIdentity | undefined;
}

const dir = (stateDir: string) => join(statePaths(stateDir).dir, 'external-runs');
const recordPath = (stateDir: string, runId: string) => join(dir(stateDir), `${runId}.json`);
const pgpassPath = (stateDir: string, runId: string) => join(dir(stateDir), `${runId}.pgpass`);

export async function recordExternalRun(
  stateDir: string,
  runId: string,
  endpoints: Readonly<Record<NodeRole, Endpoint>>,
): Promise<void> {
  await mkdir(dir(stateDir), { recursive: true, mode: 0o700 });
  await writePgpass(pgpassPath(stateDir, runId), Object.values(endpoints));
  const record: ExternalRunRecord = {
    runId,
    owner: currentProcess(),
    nodes: Object.fromEntries(nodeRoles.map((r) => [r, formatDsn(endpoints[r])])) as Record<NodeRole, string>,
  };
  await writeFileAtomic(recordPath(stateDir, runId), `${JSON.stringify(record, null, 2)}\n`);
}

export async function forgetExternalRun(stateDir: string, runId: string): Promise<void> {
  await rm(recordPath(stateDir, runId), { force: true });
  await rm(pgpassPath(stateDir, runId), { force: true });
}

/** The external runs recorded in a state directory, with their endpoints and passwords. */
export async function recordedExternalRuns(stateDir: string): Promise<RecordedExternalRun[]> {
  const names = await readdir(dir(stateDir)).catch(() => [] as string[]);
  const runs = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const record = JSON.parse(await readFile(join(dir(stateDir), name), 'utf8')) as ExternalRunRecord;
    const pgpass = pgpassPath(stateDir, record.runId);
    const entries = await Promise.all(
      nodeRoles.map(async (role): Promise<[NodeRole, Endpoint]> => {
        return [
          role,
          await endpointWithPgpass(pgpass, record.nodes[role], `external run ${record.runId} ${role}`),
        ];
      }),
    );
    runs.push({
      runId: record.runId,
      endpoints: Object.fromEntries(entries) as Record<NodeRole, Endpoint>,
      owner: record.owner,
    });
  }
  return runs;
}
