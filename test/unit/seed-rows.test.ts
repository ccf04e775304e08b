import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../harness/config/load-config.ts';
import { rowFormatter } from '../../harness/seed/row-text.ts';
import { fullUserinfoRows, seedPlan } from '../../harness/seed/seed-plan.ts';
import { copyEscape } from '../../harness/seed/value-pools.ts';

describe('seed rows', () => {
  it('sizes shards as the seed does: 1,000,000 rows on db23, 1,000,001 on db0', () => {
    expect(fullUserinfoRows(23, 32)).toBe(1_000_000);
    expect(fullUserinfoRows(0, 32)).toBe(1_000_001);
    expect(fullUserinfoRows(31, 32)).toBe(1_000_000);
  });

  it('plans profiles: default keeps the moved shard at full size', async () => {
    const { config } = await loadConfig({ flags: { seeding: { profile: 'default' } } });
    const plan = seedPlan(config);
    expect(plan[23]).toEqual({ shard: 23, userinfoRows: 1_000_000, tblSmallRows: 500_000 });
    expect(plan[0]).toEqual({ shard: 0, userinfoRows: 100_000, tblSmallRows: 50_000 });
    const full = seedPlan((await loadConfig({ flags: { seeding: { profile: 'full' } } })).config);
    expect(full.reduce((n, p) => n + p.userinfoRows * 2 + p.tblSmallRows, 0)).toBe(80_000_002);
    const sized = seedPlan(
      (await loadConfig({ flags: { seeding: { profile: 'ci', moved: { tblSmallRows: 7 } } } })).config,
    );
    expect(sized[23]).toEqual({ shard: 23, userinfoRows: 100_000, tblSmallRows: 7 });
  });

  it('makes a row a pure function of seed, shard, table and userid', () => {
    const a = rowFormatter('userinfo', 23, 'faker', 1);
    const b = rowFormatter('userinfo', 23, 'faker', 1);
    expect(a(55)).toBe(b(55));
    expect(a(55)).not.toBe(a(87));
    expect(rowFormatter('userinfo', 23, 'faker', 2)(55)).not.toBe(a(55));
    expect(a(55)).toMatch(/^23\t55\t[^\t\n]+ <[^@\s]+@[^>\s]+>, .+\n$/);
    expect(rowFormatter('session', 23, 'faker', 1)(55)).toMatch(/^23\t55\t2015-\d\d-\d\d \d\d:\d\d:\d\d\n$/);
    expect(rowFormatter('tbl_small', 3, 'faker', 1)(9)).toBe(rowFormatter('tbl_small', 30, 'faker', 1)(9));
    expect(rowFormatter('userinfo', 23, 'seed', 1)(55)).toBe('23\t55\t\\N\n');
  });

  it('escapes COPY text', () => {
    expect(copyEscape('a\tb\\c\nd')).toBe('a\\tb\\\\c\\nd');
  });
});
