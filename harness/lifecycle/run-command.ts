import { type ChildProcess, spawn } from 'node:child_process';
import { ShardmoveError } from '../errors.ts';
import { isShuttingDown, registerCleanup } from './cleanup.ts';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this OS user (via runuser) when the harness runs as root. */
  asUser?: string;
  /** Run inside this network namespace (ip netns exec; root only): what it starts lives there. */
  netns?: string;
  timeoutMillis?: number;
  /** What to call the command in an error message. */
  what?: string;
}

/**
 * The harness's environment less what can hold a node's password: the external targets'
 * URIs and libpq's PGPASSWORD. A child (pg_ctl, docker, pgbench) never needs them, and a
 * child's environment can be read by others (/proc/PID/environ of a root child, `ps e`).
 */
export function childEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (key === 'PGPASSWORD' || /^SHARDMOVE_.*_URL$/.test(key)) continue;
    out[key] = value;
  }
  return out;
}

/**
 * Runs a command to completion, capturing its output. Children are registered for cleanup
 * and placed in their own process group, so an interrupt kills them too, and not twice.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const asRoot = process.getuid?.() === 0;
  const [asUserFile, asUserArgv] =
    options.asUser && asRoot
      ? ['runuser', ['-u', options.asUser, '--', command, ...args]]
      : [command, [...args]];
  const [file, argv] = options.netns
    ? ['ip', ['netns', 'exec', options.netns, asUserFile, ...asUserArgv]]
    : [asUserFile, asUserArgv];
  return new Promise((resolve, reject) => {
    if (isShuttingDown()) {
      reject(new ShardmoveError(`${options.what ?? command}: not started, shutting down`));
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(file, argv, {
        env: childEnvironment(options.env ?? process.env),
        cwd: options.cwd,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(error);
      return;
    }
    const unregister = registerCleanup(`kill ${command}`, async () => {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer =
      options.timeoutMillis === undefined
        ? undefined
        : setTimeout(() => {
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
          }, options.timeoutMillis);
    child.on('error', (error) => {
      clearTimeout(timer);
      unregister();
      reject(
        new ShardmoveError(`${options.what ?? command}: cannot run ${file}: ${error.message}`, {
          hint: 'run `bash scripts/setup.sh` to install what shardmove needs',
        }),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      unregister();
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const tail = (stderr || stdout).trim().split('\n').slice(-8).join('\n');
      reject(
        new ShardmoveError(
          `${options.what ?? command} failed (${signal ? `signal ${signal}` : `exit ${code}`})${tail ? `:\n${tail}` : ''}`,
        ),
      );
    });
  });
}
