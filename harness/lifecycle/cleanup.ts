/**
 * What must be undone if the process is interrupted: each started thing registers how to
 * remove itself, and unregisters once it is stopped normally. The CLI runs whatever is
 * left on SIGINT/SIGTERM (see cli/signals.ts), so Ctrl-C at any point leaves nothing.
 */
export interface CleanupEntry {
  readonly name: string;
  readonly run: () => Promise<void>;
}

const entries = new Set<CleanupEntry>();
let shuttingDown = false;

/** True once an interrupt's cleanup has begun: nothing new should be started after that. */
export function isShuttingDown(): boolean {
  return shuttingDown;
}

export function registerCleanup(name: string, run: () => Promise<void>): () => void {
  const entry: CleanupEntry = { name, run };
  entries.add(entry);
  return () => {
    entries.delete(entry);
  };
}

export function pendingCleanups(): string[] {
  return [...entries].map((e) => e.name);
}

/**
 * Runs every pending cleanup, newest first; a failing one does not stop the rest. The
 * interrupted work goes on while cleanups await, so whatever it registers meanwhile is
 * cleaned up too, until nothing is left.
 */
export async function runPendingCleanups(onError: (name: string, error: unknown) => void): Promise<void> {
  shuttingDown = true;
  while (entries.size > 0) {
    const ordered = [...entries].reverse();
    entries.clear();
    for (const entry of ordered) {
      try {
        await entry.run();
      } catch (error) {
        onError(entry.name, error);
      }
    }
  }
}
