// A process that races for the migration lock: prints "held" or "refused", then holds briefly.
import { acquireMigrationLock } from '../../../harness/state/migration-lock.ts';

const [stateDir = '', startAtMillis = '0'] = process.argv.slice(2);
while (Date.now() < Number(startAtMillis)) {
  // spin to the common start, so that every racer reads the stale lock at once
}
try {
  const lock = await acquireMigrationLock(stateDir, 'recover');
  process.stdout.write('held\n');
  await new Promise((r) => setTimeout(r, 500));
  await lock[Symbol.asyncDispose]();
} catch {
  process.stdout.write('refused\n');
}
