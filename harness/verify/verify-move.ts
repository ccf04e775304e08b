import { shardTables } from '../config/topology-layout.ts';
import { onNode } from '../db/node-session.ts';
import type { MigrationContext } from '../migrate/migration-context.ts';
import { partitionHome } from '../migrate/partition-target.ts';
import { type ParityWithOld, parityWithOld } from '../parity/parity-with-old.ts';
import type { CheckOf } from './check.ts';

/** The checks of a move made without a load (`verify`): the same shape as a rehearsal's. */
export type MoveCheck =
  | CheckOf<'routing', { readonly home: string; readonly readOnly: boolean | undefined }>
  | CheckOf<'read through the proxy', { readonly userid: number; readonly dbid: number | null }>
  | ParityWithOld;

/** The checks that need no load: where the proxy sends the partition, a read through it, and parity while old exists. */
export async function verifyMove(context: MigrationContext): Promise<MoveCheck[]> {
  const { config, partition } = context;
  const proxyDb = config.topology.proxyDatabase;
  const where = await partitionHome(context);
  const routing: Extract<MoveCheck, { name: 'routing' }> = {
    name: 'routing',
    passed: where.home === 'new' && !where.readOnly,
    summary: `p${partition} goes to ${where.home}${where.readOnly ? ', frozen read-only' : ', read-write'}`,
    evidence: { home: where.home, readOnly: where.readOnly },
  };
  // A user id of the partition: pgbench's range starts at 1, and id & (n-1) picks the partition.
  const userid = partition === 0 ? config.topology.partitions : partition;
  const read = await onNode(context, 'proxy', proxyDb, async (c) => {
    const { rows } = await c.query<{ dbid: number | null }>('select dbid from query_pk($1)', [userid]);
    return { dbid: rows[0]?.dbid ?? null };
  });
  const readCheck: Extract<MoveCheck, { name: 'read through the proxy' }> = {
    name: 'read through the proxy',
    passed: read.dbid === partition,
    summary: `query_pk(${userid}) through the proxy answered from dbid ${read.dbid ?? 'nothing'}`,
    evidence: { userid, dbid: read.dbid },
  };
  const parity = await parityWithOld(context, context.database, shardTables);
  return [routing, readCheck, parity];
}
