import { execFileSync } from 'node:child_process';
import { defaultConfig } from '../../config/defaults.ts';
import { errorMessage } from '../../errors.ts';
import { pgbouncerBinary } from '../../provision/local-pooler.ts';
import { providers } from '../../provision/providers.ts';
import type { Command } from '../command.ts';

function version(command: string, args: string[]): string {
  try {
    return (
      execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split('\n')[0] ?? ''
    );
  } catch {
    return 'missing';
  }
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'what is installed, what is missing, what --provider auto would pick',
  usage: `shardmove doctor

Checks the tools and each provider's requirements, and says which provider 'auto' picks.
Exits 1 when no provider can start.`,
  options: {},
  async run({ out }) {
    out(`node       ${process.version}`);
    out(`psql       ${version('psql', ['--version'])}`);
    out(`pgbench    ${version('pgbench', ['--version'])}`);
    out(`docker     ${version('docker', ['--version'])}`);
    out(`chromium   ${version('chromium', ['--version'])}`);
    // Only --pooler pgbouncer needs it on the local provider (the node image carries its own).
    out(`pgbouncer  ${version(pgbouncerBinary, ['--version'])} (for --pooler pgbouncer)`);
    const usable: string[] = [];
    for (const provider of [providers.containers, providers.local]) {
      try {
        const check = await provider.preflight(defaultConfig);
        out(`\nprovider ${provider.name}: ${check.ok ? 'ready' : 'not ready'}`);
        for (const line of check.findings) out(`  ${line}`);
        if (check.ok) usable.push(provider.name);
        else if (check.fix) out(`  fix: ${check.fix}`);
      } catch (error) {
        out(`\nprovider ${provider.name}: check failed: ${errorMessage(error)}`);
      }
    }
    out('\nprovider external: needs external.{proxy,old,new} URIs (--config or SHARDMOVE_*_URL)');
    out(
      usable[0]
        ? `\nauto picks: ${usable[0]}`
        : '\nauto picks: nothing can start; install everything with: bash scripts/setup.sh',
    );
    return usable.length > 0 ? 0 : 1;
  },
};
