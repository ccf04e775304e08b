import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { caseFileName, fileLine, locateCase } from './case-file.ts';
import type { BuiltinStepId } from './config-types.ts';
import { parseJsonWithLines } from './json-lines.ts';

/** One line on every field a case commonly sets, keyed by its path (array indices left out). */
const fieldNotes: Readonly<Record<string, string>> = {
  description: 'What this case rehearses: the report and run.json carry it.',
  config: 'Layered over the defaults; flags (--profile, --provider, --rate ...) still win over it.',
  'config.topology': 'The cluster: 32 partitions, the one that moves, PL/Proxy cluster name, the role.',
  'config.topology.partitions': 'A power of two: PL/Proxy routes by i_userid & (partitions - 1).',
  'config.topology.movePartition': 'The partition moved from old to new (db23, as the article).',
  'config.topology.clusterName': "PL/Proxy's cluster: {{cluster}} in your SQL.",
  'config.topology.role': 'The role every connection uses: {{role}} in your SQL.',
  'config.topology.pooler': 'none, or pgbouncer between PL/Proxy and the data nodes.',
  'config.schema': 'Your SQL on top of the standard schema; paths are relative to this folder.',
  'config.schema.dataNode':
    "On every shard database after the standard schema, and on new's copy before the move.",
  'config.schema.proxy':
    "On the proxy database: your PL/Proxy functions (CLUSTER '{{cluster}}'; RUN ON ...).",
  'config.schema.fill':
    'After seeding, on every shard database: fill your tables ({{shard}} is the shard number).',
  'config.load': 'The load that runs through the whole move.',
  'config.load.clients': 'Uniform insert_log writers, one proxy connection each.',
  'config.load.scripts': 'Your pgbench script files, "file.sql@weight", as pgbench -f reads them.',
  'config.load.scriptClients': 'Clients running your scripts.',
  'config.load.builtinWriters': 'false: your scripts instead of the built-in writers.',
  'config.rehearsal': 'How the load is paced around the move (rate, warm-up, baseline, settle).',
  'config.migration': 'The procedure under test.',
  'config.migration.strategy':
    'seed, matview, copy or logical: what the readiness gate checks the hosts for.',
  'config.migration.steps':
    'The procedure, in order, after the readiness gate. {"phase": ...} is a built-in phase; {"name", "sql", "on"} runs your SQL file on proxy, old-shard, new-shard, old-postgres or new-postgres ("undo": a file a rollback runs; "marks": "freeze" or "switch").',
  'config.migration.logs': "migrate: copy login_log too; leave: the article's policy (old logs discarded).",
  'config.migration.freeze': "connstring (the article's) or table-triggers.",
  'config.thresholds':
    'Gates on the run\'s metrics, k6 style: "freeze_window_s < 30". A run fails when one does not hold.',
  'config.expectedFailures':
    'Checks or thresholds this case expects to fail, each with the reason: the run passes when exactly these fail.',
  'config.expectedOutcome':
    'Where the move must end: completed (default), rolled-back or failed-after-switch.',
};

/** What each built-in phase does, in a line: the comment `init` writes beside a step. */
export const builtinStepNotes: Readonly<Record<BuiltinStepId, string>> = {
  'prepare-new': "new's copy of the shard: schema, functions, and an FDW server reading old",
  'pre-copy': "materialized views over the FDW, while writes go on (the article's step 2)",
  freeze: 'writes to the partition rejected from here (SQLSTATE 25006)',
  'freeze-barrier': 'waits until no write begun before the freeze can still commit on old',
  refresh: 'REFRESH MATERIALIZED VIEW CONCURRENTLY, inside the freeze (step 4)',
  'fdw-copy': "the article's full copy over the FDW, keys, and login_log (step 5)",
  'vacuum-analyze': 'VACUUM ANALYZE the copies, autovacuum back on',
  'matviews-to-tables': 'the refreshed matviews copied locally into tables of their names',
  'create-tables': "empty tables on new, the data nodes' own definitions",
  'stream-copy': 'every table streamed old -> new with binary COPY, all at once',
  'primary-keys': 'the primary keys, one connection per table',
  parity: 'old (frozen) and new compared row by row: every table of the shard, yours too',
  switch: 'the partition routed to new, read-write (step 6)',
  'drop-fdw': "new's FDW to old dropped, with old's password in its user mapping",
  'prepare-new-for-logical': "new's copy for logical replication: schema, functions, empty tables",
  publish: 'a publication of the shard on old',
  subscribe: 'a subscription on new: the initial copy starts, writes go on',
  'initial-sync': 'waits for the initial copy',
  'open-connections': 'the connections the freeze will need, opened before it',
  'warm-catch-up': 'new caught up right before the freeze',
  'catch-up': 'new caught up with old inside the freeze (a marker row)',
  'switch-with-snapshot': 'the switch, with a snapshot of new exported for parity after it',
  detach: 'the subscription dropped',
  'parity-at-switch': 'old compared with new as it was at the switch',
  'fill-pool': "pgbouncer's pool to old filled before the hold",
  hold: 'pgbouncer PAUSEs the partition: calls wait instead of failing',
  'held-switch': 'pgbouncer pointed at new while held, then RESUME',
};

/**
 * The case to start from when `init` is given none: the article's procedure with one step of
 * the user's (an ANALYZE on new's copy before the switch), which runs as written.
 */
const starter = {
  description:
    "My change to the article's procedure: an ANALYZE of new's copy before the switch. Edit the steps, add your SQL, run `shardmove run <this folder>`.",
  config: {
    migration: {
      strategy: 'seed',
      steps: [
        { phase: 'prepare-new' },
        { phase: 'pre-copy' },
        { phase: 'freeze' },
        { phase: 'freeze-barrier' },
        { phase: 'refresh' },
        { phase: 'fdw-copy' },
        { phase: 'vacuum-analyze' },
        { name: 'analyze new', sql: 'steps/analyze-new.sql', on: 'new-shard' },
        { phase: 'parity' },
        { phase: 'switch' },
        { phase: 'drop-fdw' },
      ],
    },
    thresholds: ['lost_writes == 0'],
  },
};

const starterFiles: Readonly<Record<string, string>> = {
  'steps/analyze-new.sql': `-- Runs on new's copy of {{database}} (on: new-shard), inside the freeze, before parity.
-- Placeholders: {{partition}} {{shard}} {{database}} {{cluster}} {{role}} {{proxy_database}}
-- {{old_host}} {{old_port}} {{new_host}} {{new_port}} {{old_dsn}} {{new_dsn}} (never a password).
-- Statements end with ; at the end of a line; a file with a $$ body is sent whole.
ANALYZE digoal.userinfo;
ANALYZE digoal.session;
ANALYZE digoal.tbl_small;
`,
  'workload/example.sql': `-- A pgbench script (pgbench -f workload/example.sql@1 runs it as is). To run it through the
-- move, add "scripts": ["workload/example.sql@1"] under "load". The directives tell shardmove
-- which partition a transaction goes to and that it writes one login_log row (the ledger).
-- shardmove: key=uid writes
\\set uid random(1, 32000000)
select insert_log(:uid);
`,
};

function stepNote(step: unknown): string | undefined {
  if (typeof step !== 'object' || step === null) return undefined;
  const s = step as Record<string, unknown>;
  if (typeof s.phase === 'string') return builtinStepNotes[s.phase as BuiltinStepId];
  if (typeof s.sql === 'string')
    return `yours: ${s.sql} on ${String(s.on)}${s.marks ? `, marks the ${String(s.marks)}` : ''}`;
  return undefined;
}

/** A value on one line, with a space after each comma and colon: how a step reads best. */
function inline(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  if (typeof v === 'object' && v !== null)
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`)
      .join(', ')} }`;
  return JSON.stringify(v);
}

/** JSON with a `//` line over every field fieldNotes knows and over every step. */
export function commentedCase(value: unknown): string {
  const lines: string[] = [];
  const write = (v: unknown, path: string, key: string | undefined, indent: string, last: boolean): void => {
    const comma = last ? '' : ',';
    const prefix = key === undefined ? '' : `${JSON.stringify(key)}: `;
    const note = key === undefined ? undefined : fieldNotes[path];
    if (note) lines.push(`${indent}// ${note}`);
    const steps = path === 'config.migration.steps' && Array.isArray(v);
    if (steps) {
      lines.push(`${indent}${prefix}[`);
      v.forEach((step, i) => {
        const n = stepNote(step);
        if (n) lines.push(`${indent}  // ${n}`);
        lines.push(`${indent}  ${inline(step)}${i === v.length - 1 ? '' : ','}`);
      });
      lines.push(`${indent}]${comma}`);
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const entries = Object.entries(v);
      lines.push(`${indent}${prefix}{`);
      entries.forEach(([k, x], i) => {
        write(x, path ? `${path}.${k}` : k, k, `${indent}  `, i === entries.length - 1);
      });
      lines.push(`${indent}}${comma}`);
    } else lines.push(`${indent}${prefix}${inline(v)}${comma}`);
  };
  write(value, '', undefined, '', true);
  return `${lines.join('\n')}\n`;
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  return readdir(dir).then(
    (names) => names.length === 0,
    () => true,
  );
}

export interface WrittenCase {
  readonly dir: string;
  readonly files: string[];
}

/**
 * Writes a case to edit into `dir`: the starter, or a copy of `from` (a built-in case's name
 * or a case folder), its case.json with a comment on every field and step.
 */
export async function writeCase(dir: string, from?: string): Promise<WrittenCase> {
  if (!(await isEmptyOrMissing(dir)))
    throw new ConfigError(`${dir} exists and is not empty: init writes a new case into an empty folder`);
  let value: unknown = starter;
  const files: string[] = [caseFileName];
  await mkdir(dir, { recursive: true });
  if (from === undefined) {
    for (const [name, text] of Object.entries(starterFiles)) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), text);
      files.push(name);
    }
  } else {
    const source = await locateCase(from);
    value = parseJsonWithLines(await readFile(source.file, 'utf8')).value;
    await cp(source.dir, dir, { recursive: true, filter: (src) => src !== source.file });
    files.push(...(await listFiles(dir)).filter((f) => f !== caseFileName));
  }
  await writeFile(join(dir, caseFileName), commentedCase(value));
  return { dir: fileLine(dir), files: files.sort() };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}
