import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnvironment } from '../lifecycle/run-command.ts';

const bin = fileURLToPath(new URL('../../bin/shardmove.js', import.meta.url));

export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * shardmove itself as a child process, the way a user or a CI job runs it: the crash
 * matrix has to kill the process that migrates, not a function in its own.
 * onStderr sees the progress lines as they come, and may kill the child.
 */
export function runShardmove(
  args: readonly string[],
  onStderr?: (text: string, kill: () => void) => void,
): Promise<CliExit> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...childEnvironment(), CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const kill = () => child.kill('SIGKILL');
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr, kill);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
