import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const binDir = '/usr/lib/postgresql/15/bin';
const libDir = '/usr/lib/postgresql/15/lib';
const shareDir = '/usr/share/postgresql/15';

export interface PostgresInstall extends AsyncDisposable {
  readonly binDir: string;
}

async function linkAllBut(from: string, to: string, skip: (name: string) => boolean): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) {
    if (!skip(name)) await symlink(join(from, name), join(to, name));
  }
}

/**
 * This machine's PostgreSQL 15 relocated into a temp directory without PL/Proxy: a real
 * server that lacks the extension, as a host would where postgresql-15-plproxy was never
 * installed. PostgreSQL finds its share and lib directories relative to its own binary
 * (symlinks are resolved, hence copies), so leaving plproxy's files out of the relocated
 * tree is enough.
 */
export async function postgresWithoutPlproxy(): Promise<PostgresInstall> {
  const root = await mkdtemp(join(tmpdir(), 'shardmove-test-noplproxy-'));
  const bin = join(root, 'lib/postgresql/15/bin');
  await mkdir(bin, { recursive: true });
  for (const name of ['postgres', 'initdb', 'pg_ctl', 'pg_config']) {
    await copyFile(join(binDir, name), join(bin, name));
    await chmod(join(bin, name), 0o755);
  }
  const isPlproxy = (name: string) => name.startsWith('plproxy');
  await linkAllBut(libDir, join(root, 'lib/postgresql/15/lib'), isPlproxy);
  await linkAllBut(shareDir, join(root, 'share/postgresql/15'), (name) => name === 'extension');
  await linkAllBut(join(shareDir, 'extension'), join(root, 'share/postgresql/15/extension'), isPlproxy);
  // The postgres OS user runs these binaries when the tests run as root.
  for (const dir of [root, join(root, 'lib'), join(root, 'share')]) await chmod(dir, 0o755);
  return {
    binDir: bin,
    [Symbol.asyncDispose]: () => rm(root, { recursive: true, force: true }),
  };
}
