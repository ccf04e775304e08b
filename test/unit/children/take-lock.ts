// A process that races for the migration lock: prints "held" or "refused"; a holder keeps
// the lock until the release file appears.
import { existsSync } from 'node:fs';
import { acquireMigrationLock } from '../../../harness/state/migration-lock.ts';

const [stateDir = '', startAtMillis = '0', releaseFile = ''] = process.argv.slice(2);
while (Date.now() < Number(startAtMillis)) {
  // spin to the common start, so that every racer reads the stale lock at once
}
try {
  const lock = await acquireMigrationLock(stateDir, 'recover');
  process.stdout.write('held\n');
  while (!existsSync(releaseFile)) await new Promise((r) => setTimeout(r, 20));
  await lock[Symbol.asyncDispose]();
} catch {
  process.stdout.write('refused\n');
}
