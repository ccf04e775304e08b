import { writeCase } from '../../config/case-template.ts';
import { loadConfig } from '../../config/load-config.ts';
import { ConfigError } from '../../errors.ts';
import type { Command } from '../command.ts';

export const initCommand: Command = {
  name: 'init',
  summary: 'write a case folder to edit: your procedure, SQL, schema and workload',
  usage: `shardmove init DIR [--from CASE]

Writes a case into DIR (new or empty): case.json, with a comment on every field and step,
and the files it names. Without --from, the article's procedure with one step of your own
(steps/analyze-new.sql) and an example pgbench script; with --from, a copy of that case (a
built-in one from scenarios/, or a case folder). It runs as written:
shardmove run DIR --profile ci

  --from CASE              the case to start from (default: the starter above)`,
  options: { from: { type: 'string' } },
  async run({ values, positionals, out }) {
    const [dir, ...extra] = positionals;
    if (dir === undefined || extra.length) throw new ConfigError('init takes one folder: shardmove init DIR');
    const written = await writeCase(dir, typeof values.from === 'string' ? values.from : undefined);
    // What was written must load: a starter that does not is a bug, caught here.
    const { config } = await loadConfig({ scenario: dir.includes('/') ? dir : `./${dir}` });
    out(`wrote ${written.dir}: ${written.files.join(', ')}`);
    out(
      `  ${config.migration.steps?.length ?? 0} steps (${config.migration.strategy}); edit case.json and your files, then:`,
    );
    out(`  shardmove run ${dir.includes('/') ? dir : `./${dir}`} --profile ci`);
    return 0;
  },
};
