import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunDocument, runDocumentProblems } from '../../harness/report/read-run-document.ts';
import { renderBundle } from '../../harness/report/render-bundle.ts';
import type { RunDocument } from '../../harness/report/run-document.ts';
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
    expect((await readdir(dir)).sort()).toEqual(['aggregate.log', 'charts', 'index.html', 'report.md']);
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
  });
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
