import { parseArgs } from 'node:util';
import { ConfigError, errorMessage, ShardmoveError } from '../errors.ts';
import type { Command } from './command.ts';
import { chaosCommand } from './commands/chaos.ts';
import { compareCommand } from './commands/compare.ts';
import { doctorCommand } from './commands/doctor.ts';
import { downCommand } from './commands/down.ts';
import { initCommand } from './commands/init.ts';
import { loadCommand } from './commands/load.ts';
import { migrateCommand } from './commands/migrate.ts';
import { predictCommand } from './commands/predict.ts';
import { preflightCommand } from './commands/preflight.ts';
import { recoverCommand } from './commands/recover.ts';
import { reportCommand } from './commands/report.ts';
import { runCommand } from './commands/run.ts';
import { seedCommand } from './commands/seed.ts';
import { upCommand } from './commands/up.ts';
import { verifyCommand } from './commands/verify.ts';
import { createReporter } from './reporter.ts';
import { installSignalHandlers } from './signals.ts';

const commands: readonly Command[] = [
  runCommand,
  initCommand,
  upCommand,
  seedCommand,
  loadCommand,
  preflightCommand,
  migrateCommand,
  verifyCommand,
  recoverCommand,
  chaosCommand,
  reportCommand,
  compareCommand,
  predictCommand,
  downCommand,
  doctorCommand,
];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `shardmove: rehearse, benchmark and verify live shard moves in a PL/Proxy cluster

usage: shardmove <command> [options]

${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

shardmove <command> --help shows a command's options.`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`shardmove: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    process.stderr.write(`shardmove ${name}: ${errorMessage(error)}\n\n${command.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  const reporter = createReporter(process.stderr);
  installSignalHandlers((line) => {
    reporter.flush();
    process.stderr.write(`${line}\n`);
  });
  try {
    return await command.run({
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
      reporter,
      out: (text) => process.stdout.write(`${text}\n`),
    });
  } catch (error) {
    reporter.flush();
    if (error instanceof ShardmoveError) {
      process.stderr.write(
        `shardmove ${name}: ${error.message}\n${error.hint ? `  ${error.hint.replace(/\n/g, '\n  ')}\n` : ''}`,
      );
      // 2: the input was wrong and nothing ran, as for a bad flag; 1: it ran and failed.
      return error instanceof ConfigError ? 2 : 1;
    }
    // Unexpected: one line by default, the stack with SHARDMOVE_DEBUG=1.
    const detail = process.env.SHARDMOVE_DEBUG ? (error as Error).stack : errorMessage(error);
    process.stderr.write(`shardmove ${name}: unexpected error: ${detail ?? String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
