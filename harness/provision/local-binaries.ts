import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalBinaries {
  readonly binDir: string;
  readonly pkgLibDir: string | undefined;
}

const candidates = ['/usr/lib/postgresql/15/bin'];

/** PostgreSQL 15 server binaries: SHARDMOVE_PG_BINDIR, Debian's path, or pg_config's. */
export function findLocalBinaries(env: NodeJS.ProcessEnv = process.env): LocalBinaries | undefined {
  const dirs = [env.SHARDMOVE_PG_BINDIR, ...candidates].filter((d): d is string => Boolean(d));
  for (const dir of dirs) {
    if (existsSync(join(dir, 'postgres')) && existsSync(join(dir, 'initdb'))) {
      let pkgLibDir: string | undefined;
      try {
        pkgLibDir = execFileSync(join(dir, 'pg_config'), ['--pkglibdir'], { encoding: 'utf8' }).trim();
      } catch {
        pkgLibDir = dir.replace(/\/bin$/, '/lib');
      }
      return { binDir: dir, pkgLibDir };
    }
  }
  return undefined;
}

export function hasPlproxy(binaries: LocalBinaries): boolean {
  return binaries.pkgLibDir !== undefined && existsSync(join(binaries.pkgLibDir, 'plproxy.so'));
}

/** Where a local node keeps its data directory and server log, under the run's directory. */
export function localNodePaths(baseDir: string, role: string): { dataDir: string; logFile: string } {
  return { dataDir: join(baseDir, role), logFile: join(baseDir, `${role}.log`) };
}

/** The pgpass file local postmasters are started with, for the connections their libpq makes. */
export const serverPgpassPath = (baseDir: string) => join(baseDir, 'server.pgpass');

/** initdb and postgres refuse to run as root; as root, shardmove runs them as this user. */
export const postgresOsUser = 'postgres';

export function osUserExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The OS user a local run's servers run as, when shardmove runs as root (else nobody to hand files to). */
export type FileOwner = { uid: number; gid: number } | undefined;

/** Writes a file the servers read, owned by the user they run as (private unless mode says otherwise). */
export async function writeOwned(path: string, text: string, owner: FileOwner, mode = 0o600): Promise<void> {
  await writeFile(path, text, { mode });
  if (owner) await chown(path, owner.uid, owner.gid);
}
