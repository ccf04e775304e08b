import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { aggregateLine } from '../load/pgbench-format.ts';
import { emptyCounts, mergeCounts } from '../load/samples.ts';
import { chartNames, renderCharts } from './charts.ts';
import { htmlReport } from './html-report.ts';
import { junitXml } from './junit-xml.ts';
import { reportSeries } from './report-series.ts';
import type { RunDocument } from './run-document.ts';
import { summaryLines } from './summary.ts';

/** aggregate.log: pgbench's --aggregate-interval 1 format over every call of the run. */
export function aggregateLog(doc: RunDocument): string {
  const start = Math.floor(doc.load.startEpochMillis / 1000);
  // The rehearsal's load runs at a set rate, so the lag columns are there, as under pgbench -R.
  return doc.load.series
    .map((s) => {
      const all = emptyCounts();
      mergeCounts(all, s.moved);
      mergeCounts(all, s.others);
      return aggregateLine(start + s.second, all, s.lag, undefined);
    })
    .join('\n')
    .concat('\n');
}

/** Everything in a bundle but run.json, from run.json's content alone: report.md, aggregate.log, charts/, index.html, junit.xml. */
export async function renderBundle(dir: string, doc: RunDocument): Promise<string[]> {
  await mkdir(join(dir, 'charts'), { recursive: true });
  const charts = await renderCharts(reportSeries(doc));
  const written: string[] = [];
  const write = async (name: string, content: string | Buffer) => {
    await writeFile(join(dir, name), content);
    written.push(name);
  };
  await write('report.md', `${summaryLines(doc, 'markdown').join('\n')}\n`);
  await write('aggregate.log', aggregateLog(doc));
  for (const name of chartNames) await write(`charts/${name}.png`, charts[name]);
  await write('index.html', htmlReport(doc, charts));
  await write('junit.xml', junitXml(doc));
  return written;
}
