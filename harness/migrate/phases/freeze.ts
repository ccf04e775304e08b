import { onNode } from '../../db/node-session.ts';
import { runSqlFile, sqlFile } from '../../schema/sql-files.ts';
import { epochNow } from '../../util/epoch-clock.ts';
import { type MigrationContext, proxyDatabase } from '../migration-context.ts';
import { partitionHome, routePartition, setPartitionTarget } from '../partition-target.ts';
import type { PhaseEvidence } from '../phase-evidence.ts';
import type { Phase } from '../phase-result.ts';

const freezeFile = (prefix: '001' | '002') => sqlFile('migrate-freeze', prefix);

const lockNotAvailable = new Set(['55P03', '40P01']);

/**
 * Creates the write-rejecting triggers on old's shard tables. The DDL queues behind the
 * writers in flight and new writers queue behind it, so it waits at most a short lock
 * timeout per attempt and tries again: the load never stalls behind it for long.
 */
async function freezeTables(context: MigrationContext, evidence: PhaseEvidence['freeze']): Promise<void> {
  const file = await freezeFile('001');
  const deadline = performance.now() + context.config.migration.barrierTimeoutMillis;
  await onNode(context, 'old', context.database, async (c) => {
    await c.query(`set lock_timeout = '100ms'`);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await runSqlFile(c, file, {});
          evidence.lockAttempts = attempt;
          return;
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (!code || !lockNotAvailable.has(code) || performance.now() > deadline) throw error;
        }
      }
    } finally {
      await c.query('reset lock_timeout');
    }
  });
}

/**
 * Makes the partition writable on old again, whichever freeze was used: its connstring
 * back to old read-write (left alone when it already is, since any change makes PL/Proxy
 * reconnect every partition) and the triggers dropped.
 */
async function unfreezeOld(
  context: MigrationContext,
  evidence: PhaseEvidence['unfreeze on old'],
): Promise<void> {
  const where = await partitionHome(context);
  if (where.home === 'old' && !where.connstringReadOnly) evidence.connstring = 'already old, read-write';
  else await routePartition(context, 'old', evidence);
  // Unknown (old unreachable) is tried too: the attempt fails and the rollback says so.
  if (where.tablesFrozen !== false) {
    const file = await freezeFile('002');
    await onNode(context, 'old', context.database, (c) => runSqlFile(c, file, {}));
  }
  evidence.triggersDropped = where.tablesFrozen !== false;
}

export const unfreezeOnOld: Phase<MigrationContext, 'unfreeze on old'> = {
  name: 'unfreeze on old',
  run: unfreezeOld,
};

/**
 * Freezes writes to the moved partition: the article's read-only connstring on the proxy,
 * or triggers on old's tables (`migration.freeze`). Either way a write gets SQLSTATE 25006.
 */
export const freeze: Phase<MigrationContext, 'freeze'> = {
  name: 'freeze',
  undo: unfreezeOnOld,
  async run(context, evidence) {
    const method = context.config.migration.freeze;
    evidence.method = method;
    evidence.partition = `p${context.partition}`;
    if (method === 'connstring') {
      // The barrier compares the proxy's transactions with this instant on the proxy's own
      // clock: the harness's clock may be skewed from a remote proxy's.
      const target = await onNode(context, 'proxy', proxyDatabase(context), (c) =>
        setPartitionTarget(
          c,
          context.config.topology.clusterName,
          context.partition,
          context.nodes.old,
          true,
        ),
      );
      context.marks.freezeAtProxyClock = target.committedAtProxyClock;
    } else await freezeTables(context, evidence);
    context.marks.freezeAt = epochNow();
  },
};
