import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricNames } from '../../harness/config/threshold-expression.ts';
import { readRunDocument, runDocumentProblems } from '../../harness/report/read-run-document.ts';
import { renderBundle } from '../../harness/report/render-bundle.ts';
import type { RunDocument } from '../../harness/report/run-document.ts';
import { summaryLines } from '../../harness/report/summary.ts';
import { pngFacts } from '../support/png.ts';

/** run.json of a real ci-profile run on the local provider, committed as written. */
const fixture = join(import.meta.dirname, '../../fixtures/report/ci-local-seed/run.json');

let doc: RunDocument;
let dir: string;

beforeAll(async () => {
  doc = await readRunDocument(fixture);
  dir = await mkdtemp(join(tmpdir(), 'shardmove-report-'));
  await renderBundle(dir, doc);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('re-rendering a committed run.json', () => {
  it('writes the same set of files a run writes', async () => {
    expect((await readdir(dir)).sort()).toEqual([
      'aggregate.log',
      'charts',
      'index.html',
      'junit.xml',
      'report.md',
    ]);
    const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite name="shardmove seed-db23" tests="\d+" failures="0" errors="0"/);
    expect(junit).toContain('name="check: parity"');
    expect((await readdir(join(dir, 'charts'))).sort()).toEqual([
      'errors.png',
      'latency.png',
      'phases.png',
      'tps.png',
    ]);
  });

  it('gives report.md the verdict, every check, the phase table, the freeze window and TPS by stage', async () => {
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    expect(md.split('\n')[0]).toBe(`# shardmove run ${doc.runId}: ${doc.verdict.toUpperCase()}`);
    for (const c of doc.checks) expect(md).toContain(`${c.passed ? '✅' : '❌'} ${c.name}: ${c.summary}`);
    const phaseRows = md.split('\n').filter((l) => /^\| [a-z -]+ \| (ok|failed|not-run)/.test(l));
    expect(phaseRows).toHaveLength(
      doc.migration.phases.length + doc.migration.rollback.length + (doc.dropOld ? 1 : 0),
    );
    expect(md).toMatch(/^freeze window \(client-observed.*\): \d+\.\d\d s, \d+ writes rejected$/m);
    expect(md).toMatch(/^\| before the freeze \| \d+\.\d \| \d+\.\d \|$/m);
    expect(md).toMatch(/^\| after the freeze \| \d+\.\d \| \d+\.\d \|$/m);
  });

  it("writes aggregate.log in pgbench's format, one line per second, adding up to the run's calls", async () => {
    const lines = (await readFile(join(dir, 'aggregate.log'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(doc.load.series.length);
    const rows = lines.map((l) => l.split(' ').map(Number));
    for (const r of rows) {
      expect(r).toHaveLength(11);
      expect(r.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
    }
    const first = rows[0]?.[0] ?? 0;
    expect(rows.map((r) => (r[0] ?? 0) - first)).toEqual(
      doc.load.series.map((s) => s.second - (doc.load.series[0]?.second ?? 0)),
    );
    expect(rows.reduce((n, r) => n + (r[1] ?? 0), 0)).toBe(doc.load.totals.ok);
  });

  it('draws every chart at full size with data on it', async () => {
    for (const name of ['tps', 'latency', 'errors', 'phases']) {
      const facts = await pngFacts(await readFile(join(dir, 'charts', `${name}.png`)));
      expect({ name, width: facts.width, height: facts.height }).toEqual({ name, width: 1100, height: 420 });
      // Curves or bars: far more coloured pixels than a legend's swatches (about 40 x 12 each).
      expect(facts.colouredPixels, name).toBeGreaterThan(2000);
    }
  });

  it('makes index.html self-contained: charts embedded, the verdict shown, nothing fetched', async () => {
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html).toContain(`data-verdict="${doc.verdict}"`);
    expect(
      html.match(/<figure data-chart="(tps|latency|errors|phases)"><img [^>]*src="data:image\/png;base64,/g),
    ).toHaveLength(4);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const c of doc.checks) expect(html).toContain(c.name);
  });

  it('renders the same report twice from the same run.json', async () => {
    const again = await mkdtemp(join(tmpdir(), 'shardmove-report-'));
    try {
      await renderBundle(again, doc);
      for (const file of ['report.md', 'aggregate.log']) {
        expect(await readFile(join(again, file), 'utf8')).toBe(await readFile(join(dir, file), 'utf8'));
      }
    } finally {
      await rm(again, { recursive: true, force: true });
    }
    // As below: drawing the charts again is seconds of CPU on a busy 2-core machine.
  }, 60_000);
});

describe('the run.json schema', () => {
  it('accepts the committed run and names what is wrong with a broken one', async () => {
    expect(await runDocumentProblems(doc)).toEqual([]);
    const broken = structuredClone(doc) as unknown as Record<string, unknown>;
    delete broken.checks;
    (broken.load as Record<string, unknown>).tps = 'fast';
    const problems = await runDocumentProblems(broken);
    expect(problems).toContain("/: must have required property 'checks'");
    expect(problems).toContain('/load/tps: must be number');
  });
});

describe('run.json versions', () => {
  it('lists every metric of the catalogue in the schema, so a new metric cannot be written unchecked', async () => {
    const schema = JSON.parse(
      await readFile(join(import.meta.dirname, '../../harness/report/schema/run-v2.schema.json'), 'utf8'),
    ) as { properties: { metrics: { properties: Record<string, unknown> } } };
    expect(Object.keys(schema.properties.metrics.properties).sort()).toEqual([...metricNames].sort());
  });

  it('reads a version 1 run as conclusive, each check and threshold as it passed, without rehearsal stages', async () => {
    const v1 = await readRunDocument(
      join(import.meta.dirname, '../../fixtures/report/ci-local-seed-v1/run.json'),
    );
    expect(v1.schemaVersion).toBe(2);
    expect(v1.validity.conclusive).toBe(true);
    expect(v1.outcomes.map((o) => [o.name, o.asExpected])).toEqual([
      ...v1.checks.map((c) => [c.name, c.passed]),
      ...v1.thresholds.map((t) => [t.expression, t.passed]),
    ]);
    expect(v1.rehearsal.warmup).toBeUndefined();
    const out = await mkdtemp(join(tmpdir(), 'shardmove-report-v1-'));
    try {
      await renderBundle(out, v1);
      expect(await readFile(join(out, 'report.md'), 'utf8')).toContain(v1.runId);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
    // Charts are drawn with canvas: seconds of CPU on a busy 2-core machine.
  }, 60_000);

  it('puts how the run measured beside the verdict: warm-up, rate, baseline, connection cost, storm', async () => {
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/warm-up: [\d.]+ s, 38 of 38 clients primed \(1216 proxy-to-partition connections\)/);
    expect(md).toMatch(/rate: 40% of capacity: \d+ tps of capacity \d+ tps/);
    expect(md).toMatch(/a new connection costs [\d.]+ ms here .* one reconnection storm ~[\d.]+ s/);
    expect(md).toContain('expected failure: ');
  });

  it('states an inconclusive run as such, reasons first, in report.md and index.html', async () => {
    const inconclusive = structuredClone(doc);
    inconclusive.verdict = 'inconclusive';
    inconclusive.migration = { ...inconclusive.migration, outcome: 'not-started' };
    inconclusive.validity = {
      conclusive: false,
      reasons: ['baseline: served 900 of 20000 tps scheduled'],
      advice: ['a lower rate (--rate 40%)'],
    };
    expect(await runDocumentProblems(inconclusive)).toEqual([]);
    const out = await mkdtemp(join(tmpdir(), 'shardmove-report-inconclusive-'));
    try {
      await renderBundle(out, inconclusive);
      const md = await readFile(join(out, 'report.md'), 'utf8');
      const lines = md.split('\n').filter((l) => l.trim());
      expect(lines[0]).toContain('INCONCLUSIVE');
      expect(lines[1]).toContain('could not measure what it claims');
      expect(lines[2]).toContain('served 900 of 20000 tps scheduled');
      const html = await readFile(join(out, 'index.html'), 'utf8');
      expect(html).toContain('data-verdict="inconclusive"');
      expect(html).toContain('served 900 of 20000 tps scheduled');
      expect(html.indexOf('served 900 of 20000')).toBeLessThan(html.indexOf('id="checks"'));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
    // Charts are drawn with canvas: seconds of CPU on a busy 2-core machine.
  }, 60_000);

  it('says what it could not judge after a migration, and marks that threshold unknown, not failed', () => {
    const unknown = structuredClone(doc);
    const reason = "the others' lowest window came while this host's CPUs were 97% busy";
    unknown.verdict = 'inconclusive';
    unknown.validity = { conclusive: false, reasons: [`others_min_pct >= 90: ${reason}`], advice: [] };
    unknown.thresholds = [
      {
        expression: 'others_min_pct >= 90',
        metric: 'others_min_pct',
        actual: 80,
        passed: false,
        unknown: reason,
      },
    ];
    unknown.outcomes = [
      ...unknown.outcomes.filter((o) => o.kind === 'check'),
      {
        kind: 'threshold',
        name: 'others_min_pct >= 90',
        passed: false,
        expectedFailure: undefined,
        asExpected: false,
        note: `unknown: ${reason}`,
        unknown: reason,
      },
    ];
    const text = summaryLines(unknown, 'text');
    expect(text[2]).toContain('could not judge all it claims; what it could judge held');
    const line = text.find((l) => l.includes('others_min_pct >= 90:') && l.includes('80 %'));
    expect(line).toMatch(/^\s*\?\?\s+others_min_pct >= 90: 80 % \(unknown: /);
  });
});

describe('the route propagation table', () => {
  it('lists each session on old at the switch in the order it went, and none without the check', () => {
    const staleRoute = {
      name: 'no stale route' as const,
      passed: true,
      summary: 'no call reached old after the switch',
      evidence: {
        staleCalls: [],
        propagation: [
          { pid: 12, app: '23', client: '127.0.0.1:40012', leftAfterMillis: null },
          { pid: 11, app: '23', client: '127.0.0.1:40011', leftAfterMillis: 1250 },
          { pid: 10, app: '23', client: '127.0.0.1:40010', leftAfterMillis: 310 },
        ],
      },
    };
    const withRoutes = { ...doc, checks: [...doc.checks, staleRoute] };
    const md = summaryLines(withRoutes, 'markdown');
    const table = md.slice(md.indexOf('## Routes on old after the switch'));
    expect(table.filter((l) => /^\| 1\d /.test(l))).toEqual([
      '| 10 | 23 | 127.0.0.1:40010 | 0.31 s |',
      '| 11 | 23 | 127.0.0.1:40011 | 1.25 s |',
      '| 12 | 23 | 127.0.0.1:40012 | still there at the end, idle since before it |',
    ]);
    expect(summaryLines(doc, 'markdown')).not.toContain('## Routes on old after the switch');
  });
});
