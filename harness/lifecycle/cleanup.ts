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

/** Runs every pending cleanup, newest first; a failing one does not stop the rest. */
export async function runPendingCleanups(onError: (name: string, error: unknown) => void): Promise<void> {
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
