import type { SeedData } from '../config/config-types.ts';
import { rowHash } from './row-hash.ts';
import { valuePools } from './value-pools.ts';

export type SeedTable = 'userinfo' | 'session' | 'tbl_small';
const tableIds: Readonly<Record<SeedTable, number>> = { userinfo: 1, session: 2, tbl_small: 3 };

export const copyColumns: Readonly<Record<SeedTable, string>> = {
  userinfo: 'dbid, userid, info',
  session: 'dbid, userid, last_login',
  tbl_small: 'userid, info',
};

const nullValue = '\\N';
// last_login within the article's year, 2015, to the second.
const loginEpochSeconds = Date.UTC(2015, 0, 1) / 1000;
const yearSeconds = 365 * 24 * 3600;

function pick<T>(pool: readonly T[], bits: number): T {
  return pool[bits % pool.length] as T;
}

function timestamp(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/**
 * Builds one row's COPY text line. `seed` reproduces the article (info and last_login
 * NULL); `faker` fills them from faker's pools, as a pure function of (faker seed, shard,
 * table, userid). tbl_small holds the same rows on every shard, so its content ignores
 * the shard.
 */
export function rowFormatter(
  table: SeedTable,
  shard: number,
  data: SeedData,
  fakerSeed: number,
): (userid: number) => string {
  if (data === 'seed') {
    if (table === 'tbl_small') return (userid) => `${userid}\t${nullValue}\n`;
    return (userid) => `${shard}\t${userid}\t${nullValue}\n`;
  }
  const pools = valuePools(fakerSeed);
  const tableId = tableIds[table];
  const info = (h: number, g: number) => {
    const first = pick(pools.firstNames, h);
    const last = pick(pools.lastNames, h >>> 10);
    const email = `${first}.${last}${g % 1000}@${pick(pools.domains, g >>> 10)}`.toLowerCase();
    return `${first} ${last} <${email}>, ${pick(pools.jobs, h >>> 20)}, ${pick(pools.cities, g >>> 20)}, ${pick(pools.countries, g)}`;
  };
  switch (table) {
    case 'userinfo':
      return (userid) => {
        const h = rowHash(fakerSeed, shard, tableId, userid);
        return `${shard}\t${userid}\t${info(h, rowHash(h, shard, tableId, userid))}\n`;
      };
    case 'session':
      return (userid) =>
        `${shard}\t${userid}\t${timestamp(loginEpochSeconds + (rowHash(fakerSeed, shard, tableId, userid) % yearSeconds))}\n`;
    case 'tbl_small':
      return (userid) => {
        const h = rowHash(fakerSeed, -1, tableId, userid);
        return `${userid}\t${info(h, rowHash(h, -1, tableId, userid))}\n`;
      };
  }
}
