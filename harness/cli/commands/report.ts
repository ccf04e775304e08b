import { ConfigError } from '../../errors.ts';
import { readRunDocument } from '../../report/read-run-document.ts';
import { renderBundle } from '../../report/render-bundle.ts';
import { summaryLines } from '../../report/summary.ts';
import type { Command } from '../command.ts';

export const reportCommand: Command = {
  name: 'report',
  summary: "render a run's report again from its run.json alone",
  usage: `shardmove report RUN_DIR [--out DIR]

Reads RUN_DIR/run.json, checks it against the run.json schema of its version, and writes
report.md, aggregate.log, charts/*.png and index.html again (into RUN_DIR, or --out DIR).

  --out DIR                write the rendered files here instead of into RUN_DIR`,
  options: { out: { type: 'string' } },
  async run({ values, positionals, out }) {
    const [dir, ...extra] = positionals;
    if (dir === undefined || extra.length) throw new ConfigError('report takes one run directory');
    const doc = await readRunDocument(dir);
    const target = typeof values.out === 'string' ? values.out : dir.replace(/\/run\.json$/, '');
    const written = await renderBundle(target, doc);
    for (const line of summaryLines(doc, 'text')) out(line);
    out(`\nwrote ${written.length} files to ${target}: ${written.join(', ')}`);
    return 0;
  },
};
