import type pg from 'pg';
import { onNode } from '../../db/node-session.ts';
import { go, noGo, type ReadinessInput, type ReadinessItem } from '../readiness.ts';

interface FunctionFacts {
  signature: string;
  result: string;
  body: string;
  owner: string;
  acl: string;
  settings: string;
  security: string;
}

const factNames: ReadonlyArray<keyof FunctionFacts> = [
  'result',
  'body',
  'owner',
  'acl',
  'settings',
  'security',
];

/**
 * What the proxy calls on the data nodes: each PL/Proxy function's TARGET, or else the
 * function of its own name, with its argument types (names may differ across the hop).
 */
async function proxiedFunctions(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ target: string | null; own: string; args: string }>(
    `select substring(p.prosrc from '(?i)target\\s+([a-z0-9_."]+)\\s*;') as target,
            n.nspname || '.' || p.proname as own, oidvectortypes(p.proargtypes) as args
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
      where l.lanname = 'plproxy' order by 2`,
  );
  const qualified = (name: string) => (name.includes('.') ? name : `public.${name}`).replaceAll('"', '');
  return rows.map((r) => `${qualified(r.target ?? r.own)}(${r.args})`);
}

async function functionFacts(client: pg.Client): Promise<Map<string, FunctionFacts>> {
  const { rows } = await client.query<FunctionFacts>(
    `select n.nspname || '.' || p.proname || '(' || oidvectortypes(p.proargtypes) || ')' as signature,
            pg_get_function_result(p.oid) as result, md5(p.prosrc) as body, pg_get_userbyid(p.proowner) as owner,
            coalesce(p.proacl::text, 'default') as acl, coalesce(array_to_string(p.proconfig, ', '), 'none') as settings,
            case when p.prosecdef then 'definer' else 'invoker' end as security
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'`,
  );
  return new Map(rows.map((r) => [r.signature, r]));
}

/**
 * Every function the proxy calls exists on old's shard, and, once new's copy exists, is the
 * same there: result, body, owner, grants, settings (search_path), security. A difference
 * is a call that behaves otherwise, or fails, the moment the partition is routed to new.
 */
export async function functionSurface(input: ReadinessInput): Promise<ReadinessItem> {
  const cause = 'function surface';
  const called = await onNode(input.sessions, 'proxy', input.proxyDatabase, proxiedFunctions);
  const onOld = await onNode(input.sessions, 'old', input.database, functionFacts);
  const reasons = called
    .filter((f) => !onOld.has(f))
    .map((f) => `${f} is called by the proxy but missing on old`);
  const newExists = await onNode(
    input.sessions,
    'new',
    'postgres',
    async (c) =>
      (await c.query('select 1 from pg_database where datname = $1', [input.database])).rowCount === 1,
  );
  if (newExists) {
    const onNew = await onNode(input.sessions, 'new', input.database, functionFacts);
    for (const f of called) {
      const [a, b] = [onOld.get(f), onNew.get(f)];
      if (!a) continue;
      if (!b) {
        reasons.push(`${f} is missing on new`);
        continue;
      }
      for (const fact of factNames) {
        if (a[fact] !== b[fact]) reasons.push(`${f}: ${fact} differs (old ${a[fact]}, new ${b[fact]})`);
      }
    }
  }
  const where = newExists ? 'old and new' : `old (new has no ${input.database} yet: compared once it does)`;
  return reasons.length
    ? noGo(
        cause,
        `${reasons.length} difference(s) in the ${called.length} functions the proxy calls`,
        reasons,
      )
    : go(cause, `the ${called.length} functions the proxy calls are on ${where}`);
}
