import { en, Faker } from '@faker-js/faker';

/**
 * Realistic values drawn once from faker with a fixed seed. Rows then pick from them by a
 * hash of (seed, shard, table, userid), which keeps every row a pure function of those
 * and costs nanoseconds per row instead of a faker call (microseconds) or a reseed.
 * Values are stored COPY-escaped.
 */
export interface ValuePools {
  readonly firstNames: readonly string[];
  readonly lastNames: readonly string[];
  readonly domains: readonly string[];
  readonly cities: readonly string[];
  readonly countries: readonly string[];
  readonly jobs: readonly string[];
}

const poolSize = 1024;
const cache = new Map<number, ValuePools>();

/** COPY text format: backslash, tab, newline and carriage return must be escaped. */
export function copyEscape(value: string): string {
  return value.replace(
    /[\\\t\n\r]/g,
    (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? c,
  );
}

export function valuePools(seed: number): ValuePools {
  const cached = cache.get(seed);
  if (cached) return cached;
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  const draw = (fn: () => string) => Array.from({ length: poolSize }, () => copyEscape(fn()));
  const pools: ValuePools = {
    firstNames: draw(() => faker.person.firstName()),
    lastNames: draw(() => faker.person.lastName()),
    domains: draw(() => faker.internet.domainName()),
    cities: draw(() => faker.location.city()),
    countries: draw(() => faker.location.country()),
    jobs: draw(() => faker.person.jobTitle()),
  };
  cache.set(seed, pools);
  return pools;
}
