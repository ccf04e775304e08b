import { errorMessage } from '../errors.ts';
import { pendingCleanups, runPendingCleanups } from '../lifecycle/cleanup.ts';

/**
 * On SIGINT/SIGTERM, undo whatever is half-started (containers, postmasters, temp dirs)
 * and exit 130/143. A second signal exits at once and says how to sweep what is left.
 */
let graceful: (() => void) | undefined;
let interrupted: NodeJS.Signals | undefined;

/**
 * While set, the first SIGINT/SIGTERM calls `stop` instead of cleaning up and exiting, so a
 * command that can end early on its own (a load) still writes what it measured; a second
 * signal exits at once. Returns the signal's exit code getter and the undo.
 */
export function stopGracefullyOnSignal(stop: () => void): {
  exitCode: () => number | undefined;
  release: () => void;
} {
  graceful = stop;
  return {
    exitCode: () => (interrupted === undefined ? undefined : interrupted === 'SIGINT' ? 130 : 143),
    release: () => {
      graceful = undefined;
    },
  };
}

export function installSignalHandlers(write: (line: string) => void): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (stopping) {
      write('interrupted again: exiting now; run `shardmove down --all` to remove leftovers');
      process.exit(code);
    }
    stopping = true;
    if (graceful) {
      interrupted = signal;
      write(`${signal}: stopping, then writing what was measured (again to exit at once)…`);
      graceful();
      return;
    }
    const pending = pendingCleanups();
    write(`${signal}: cleaning up${pending.length ? ` (${pending.join(', ')})` : ''}…`);
    void runPendingCleanups((name, error) =>
      write(`cleanup of ${name} failed: ${errorMessage(error)}`),
    ).finally(() => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
