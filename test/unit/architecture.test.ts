import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering the migration's house rests on (issue 15): migrate/ talks to nodes through
 * db/, never to the checks, the faults or the CLI; the checks and the faults never reach
 * into a strategy; schema/ sits below provision/. A import that breaks one fails here.
 */
const root = resolve(import.meta.dirname, '../../harness');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every harness file's relative imports, as paths under harness/. */
function imports(): Array<{ from: string; to: string }> {
  return sourceFiles(root).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => ({
      from: relative(root, file),
      to: relative(root, resolve(dirname(file), m[1] ?? '')),
    }));
  });
}

// The procedure: where a case's steps become phases. Phases are its parts and know nothing of it.
const procedure = /^migrate\/procedure\.ts$/;

const rules: Array<{ rule: string; broken: (from: string, to: string) => boolean }> = [
  {
    rule: 'migrate/ imports neither verify/, faults/ nor cli/',
    broken: (from, to) => from.startsWith('migrate/') && /^(verify|faults|cli)\//.test(to),
  },
  {
    rule: 'verify/ imports neither the procedure nor a phase',
    broken: (from, to) =>
      from.startsWith('verify/') && (procedure.test(to) || to.startsWith('migrate/phases/')),
  },
  {
    rule: 'schema/ does not import provision/',
    broken: (from, to) => from.startsWith('schema/') && to.startsWith('provision/'),
  },
  {
    rule: 'db/, parity/ and readiness/ import nothing above them',
    broken: (from, to) =>
      /^(db|parity|readiness)\//.test(from) &&
      /^(migrate|verify|faults|rehearsal|cli|provision|topology)\//.test(to),
  },
  {
    rule: 'a phase imports not the procedure built from it',
    broken: (from, to) => from.startsWith('migrate/phases/') && procedure.test(to),
  },
  {
    rule: 'nothing but cli/ imports cli/',
    broken: (from, to) => !from.startsWith('cli/') && to.startsWith('cli/'),
  },
];

describe('the layering of harness/', () => {
  const all = imports();
  it('has imports to judge', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(all.some((i) => i.from.startsWith('migrate/'))).toBe(true);
  });
  it.each(rules)('$rule', ({ broken }) => {
    expect(all.filter((i) => broken(i.from, i.to)).map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });
  it('catches a broken rule (the rules themselves are not vacuous)', () => {
    const [first] = rules;
    expect(first?.broken('migrate/run-migration.ts', 'faults/inject-fault.ts')).toBe(true);
    expect(rules[1]?.broken('verify/checks.ts', 'migrate/procedure.ts')).toBe(true);
    expect(rules[2]?.broken('schema/install-schema.ts', 'provision/provider.ts')).toBe(true);
    expect(rules[3]?.broken('readiness/check-readiness.ts', 'migrate/migration-context.ts')).toBe(true);
  });
});
