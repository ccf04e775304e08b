import type { PoolerAccess } from '../../db/node-access.ts';
import { withPoolerAdmin } from '../../provision/pooler-control.ts';
import { fillPool, pauseDatabase, resumeDatabase } from '../../provision/pooler-hold.ts';
import { epochNow } from '../../util/epoch-clock.ts';
import type { MigrationContext } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';
import { switchWithSnapshot } from './logical-catch-up.ts';

function poolerOf(context: MigrationContext): PoolerAccess {
  const pooler = context.nodes.proxy.pooler;
  if (!pooler)
    throw new Error('a held switch needs the pooled topology: there is no pooler to hold the calls in');
  return pooler;
}

const withAdmin = <T>(context: MigrationContext, fn: Parameters<typeof withPoolerAdmin<T>>[2]) =>
  withPoolerAdmin(poolerOf(context), context.config.connectTimeoutMillis, fn);

/** The hold's deadline, what is left of it now. */
export function holdLeftMillis(context: MigrationContext): number {
  const holdAt = context.marks.holdAt;
  const deadline = context.config.migration.holdDeadlineMillis;
  return holdAt === undefined ? deadline : deadline - (epochNow() - holdAt);
}

/** RESUME, when the pooler has the partition's database paused: safe when it has not. */
export const release: Phase<MigrationContext, 'release'> = {
  name: 'release',
  async run(context, evidence) {
    if (!context.nodes.proxy.pooler) {
      evidence.resumed = false;
      return;
    }
    evidence.resumed = await withAdmin(context, (admin) => resumeDatabase(admin, context.database));
    if (evidence.resumed) context.marks.releasedAt = epochNow();
  },
};

/**
 * Before the hold: the pool to old filled, so that the PAUSE finds no login in flight to
 * close (pgbouncer would count that as a failed login and refuse the database's clients
 * for server_login_retry).
 */
export const fillPoolPhase: Phase<MigrationContext, 'fill pool'> = {
  name: 'fill pool',
  async run(context, evidence) {
    // pgbouncer opens one server per maintenance pass (a few a second), each a login.
    const limitMillis = Math.max(context.config.migration.barrierTimeoutMillis * 4, 60_000);
    const fill = await withAdmin(context, (admin) =>
      fillPool(admin, context.handle, context.database, limitMillis),
    );
    Object.assign(evidence, fill);
  },
};

/** PAUSE: the calls in flight end, later ones wait in the pooler. Undone by RESUME. */
export const hold: Phase<MigrationContext, 'hold'> = {
  name: 'hold',
  undo: release,
  async run(context, evidence) {
    const paused = await withAdmin(context, (admin) =>
      pauseDatabase(admin, context.database, context.config.migration.barrierTimeoutMillis),
    );
    context.marks.holdAt = epochNow();
    evidence.pausedMillis = paused.pausedMillis;
    evidence.loginsAtPause = paused.logins;
  },
};

/**
 * The retarget while held, then RESUME whatever became of it: a partition left paused
 * would stall its calls for good. When the retarget failed, the rollback routes back to old.
 */
export const heldSwitch: Phase<MigrationContext, 'switch'> = {
  name: 'switch',
  async run(context, evidence) {
    try {
      await switchWithSnapshot.run(context, evidence);
    } finally {
      await release.run(context, evidence);
      const { holdAt, releasedAt } = context.marks;
      if (holdAt !== undefined && releasedAt !== undefined)
        evidence.heldMillis = Math.round(releasedAt - holdAt);
    }
  },
};
