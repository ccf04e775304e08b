import { errorMessage } from '../errors.ts';
import { pendingCleanups, runPendingCleanups } from '../lifecycle/cleanup.ts';

/**
 * On SIGINT/SIGTERM, undo whatever is half-started (containers, postmasters, temp dirs)
 * and exit 130/143. A second signal exits at once and says how to sweep what is left.
 */
export function installSignalHandlers(write: (line: string) => void): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (stopping) {
      write('interrupted again: exiting now; run `shardmove down --all` to remove leftovers');
      process.exit(code);
    }
    stopping = true;
    const pending = pendingCleanups();
    write(`${signal}: cleaning up${pending.length ? ` (${pending.join(', ')})` : ''}…`);
    void runPendingCleanups((name, error) =>
      write(`cleanup of ${name} failed: ${errorMessage(error)}`),
    ).finally(() => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
