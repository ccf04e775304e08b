import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { SeedData } from '../config/config-types.ts';
import { copyColumns, rowFormatter, type SeedTable } from './row-text.ts';
import type { ShardPlan } from './seed-plan.ts';

/** About 64 KiB per chunk: large enough to keep COPY busy, small enough to stream. */
const rowsPerChunk = 512;

export interface CopyOptions {
  readonly data: SeedData;
  readonly fakerSeed: number;
  readonly partitions: number;
  /** Called with the number of rows just sent. */
  readonly onRows: (rows: number) => void;
}

function* chunks(
  format: (userid: number) => string,
  userids: (i: number) => number,
  count: number,
  onRows: (n: number) => void,
) {
  for (let start = 0; start < count; start += rowsPerChunk) {
    const end = Math.min(count, start + rowsPerChunk);
    let text = '';
    for (let i = start; i < end; i++) text += format(userids(i));
    onRows(end - start);
    yield text;
  }
}

async function copyTable(
  client: pg.Client,
  table: SeedTable,
  count: number,
  userids: (i: number) => number,
  shard: number,
  options: CopyOptions,
) {
  if (count === 0) return;
  const format = rowFormatter(table, shard, options.data, options.fakerSeed);
  const sink = client.query(copyFrom(`COPY digoal.${table} (${copyColumns[table]}) FROM STDIN`));
  await pipeline(Readable.from(chunks(format, userids, count, options.onRows)), sink);
}

/**
 * Streams one shard's rows with COPY: userinfo and session on the seed's keys (N, N+32, ...),
 * tbl_small on 1..S. Memory stays at a chunk per table whatever the row count.
 */
export async function copyShard(client: pg.Client, plan: ShardPlan, options: CopyOptions): Promise<void> {
  // One commit per COPY: nothing to gain from waiting for each WAL flush (the article does the same).
  await client.query('set synchronous_commit = off');
  const seedKey = (i: number) => plan.shard + i * options.partitions;
  await copyTable(client, 'userinfo', plan.userinfoRows, seedKey, plan.shard, options);
  await copyTable(client, 'session', plan.userinfoRows, seedKey, plan.shard, options);
  await copyTable(client, 'tbl_small', plan.tblSmallRows, (i) => i + 1, plan.shard, options);
}
