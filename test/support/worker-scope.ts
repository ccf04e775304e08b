import { chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Two integration files run at once (vitest.config.ts). Each worker gets a temp dir and a
// namespace of its own, inherited by the CLIs it starts: its local runs live under its temp
// dir, its containers carry its namespace, so `down --all` and the leftovers snapshots
// (test/support/leftovers.ts) see only this worker's runs, never the other file's.
const worker = process.env.VITEST_POOL_ID ?? '0';
if (!process.env.SHARDMOVE_NAMESPACE?.startsWith('test-worker-')) {
  const dir = join(tmpdir(), `smw${worker}`);
  mkdirSync(dir, { recursive: true });
  // As /tmp: the postgres OS user creates its sockets and files under the run dirs here.
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  process.env.SHARDMOVE_NAMESPACE = `test-worker-${worker}`;
}
