import { redactDsn } from '../config/dsn.ts';
import { seededTables } from '../config/topology-layout.ts';
import { parityWithOld } from '../parity/parity-with-old.ts';
import { syncPoolerFile, withPoolerAdmin } from '../provision/pooler-control.ts';
import { resumeDatabase } from '../provision/pooler-hold.ts';
import type { MigrationContext } from './migration-context.ts';
import { partitionHome } from './partition-target.ts';
import { type Phase, type PhaseResult, runPhases } from './phase-result.ts';
import { dropFdw } from './phases/drop-fdw.ts';
import { dropReplicationPhase } from './phases/logical-replication.ts';
import { rollbackPhases } from './procedure.ts';
import { configuredSteps } from './run-migration.ts';

/** After the switch: new against old, which is kept; login_log is left out, new has taken writes since. */
const parityWithOldKept: Phase<MigrationContext, 'parity'> = {
  name: 'parity',
  async run(c, evidence) {
    const check = await parityWithOld(c, c.database, seededTables);
    evidence.parity = check.summary;
    if (!check.passed) throw new Error(`${check.summary}: keep old and investigate before dropping it`);
  },
};

export interface Recovery {
  /** What the partition's routing said when recovery started. */
  readonly found: string;
  /** 'left alone': routed neither provably to old nor to new read-write; nothing was changed. */
  readonly action: 'rolled back' | 'completed' | 'left alone';
  readonly phases: PhaseResult[];
  readonly state: string;
}

/**
 * Finishes or undoes an interrupted migration from what the systems say, not from what the
 * interrupted process believed: if the proxy already sends the partition to new, the move
 * happened and only its loose ends are tied (replication objects dropped, parity with old
 * checked, old kept). It is rolled back only where a failed migration would be (mayRollBack):
 * when the partition provably still goes to old. Routed elsewhere, or to new but frozen (a
 * procedure's own step, a hand's), new may hold what old does not: nothing is touched and
 * the journal stays, for an operator to look at.
 */
export async function recoverMigration(context: MigrationContext): Promise<Recovery> {
  const pooler = context.nodes.proxy.pooler;
  if (pooler) {
    // What the pooler has loaded is where the partition is; its file must say the same.
    // A harness killed inside a held switch leaves the partition paused: every call to it
    // waits for good, whichever way recovery then goes. Resumed first, so that from here
    // on its calls are answered (by new, or rejected by old's freeze until the rollback).
    await withPoolerAdmin(pooler, context.config.connectTimeoutMillis, async (admin) => {
      await syncPoolerFile(admin, context.handle);
      await resumeDatabase(admin, context.database);
    });
  }
  const where = await partitionHome(context);
  const found = `p${context.partition} on ${where.home}${where.readOnly ? ', frozen read-only' : ', read-write'}`;
  if (where.home === 'new' && !where.readOnly) {
    const phases = await runPhases(
      [dropReplicationPhase, dropFdw, parityWithOldKept],
      context,
      context.events,
    );
    return {
      found,
      action: 'completed',
      phases,
      state: `p${context.partition} on new, read-write; ${context.database} kept on old (\`verify --drop-old\` drops it)`,
    };
  }
  if (where.home !== 'old') {
    return {
      found,
      action: 'left alone',
      phases: [],
      state:
        where.home === 'new'
          ? `p${context.partition} is routed to new but frozen read-only: not rolled back (new may hold writes old lacks) and not finished (nothing here froze it); nothing changed. Check new's copy, then make the route read-write by hand`
          : `p${context.partition} is routed to neither old nor new (${where.connstring ? redactDsn(where.connstring) : 'no connstring'}): not rolled back, nothing changed. Find out who routed it there`,
    };
  }
  const phases = await runPhases(rollbackPhases(configuredSteps(context.config)), context, context.events);
  return {
    found,
    action: 'rolled back',
    phases,
    state: phases.every((p) => p.status === 'ok')
      ? `p${context.partition} on old, read-write; new's copy dropped`
      : `rollback incomplete: ${phases
          .filter((p) => p.status !== 'ok')
          .map((p) => p.name)
          .join(', ')}`,
  };
}
