import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * testcontainers reads these at import time. Ryuk (its reaper) cannot be pulled where no
 * registry is reachable, so shardmove removes its own containers by label instead; and
 * inside a container (/.dockerenv) testcontainers would otherwise pick the bridge gateway.
 */
export async function loadTestcontainers(): Promise<typeof import('testcontainers')> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  return import('testcontainers');
}

export async function dockerReachable(): Promise<boolean> {
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** The node image tag, content-addressed by docker/ (the same script setup uses). */
export async function nodeImageTag(): Promise<string> {
  const { stdout } = await run('bash', [`${projectRoot}scripts/image-tag.sh`]);
  return stdout.trim();
}

/** The image's content id (sha256:...), which a tag alone does not pin. */
export async function imageId(tag: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], {
      timeout: 10_000,
    });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function imageExists(tag: string): Promise<boolean> {
  try {
    await run('docker', ['image', 'inspect', tag], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the engine copies published ports through docker-proxy, a user-space process
 * that costs the containers provider much of its throughput (see scripts/start-docker.sh).
 */
export async function userlandProxyEnabled(): Promise<boolean | undefined> {
  try {
    const { stdout } = await run('pgrep', ['-a', 'dockerd']);
    if (/--userland-proxy[= ]false/.test(stdout)) return false;
    const daemonJson = await readFile('/etc/docker/daemon.json', 'utf8').catch(() => '{}');
    const value = (JSON.parse(daemonJson) as Record<string, unknown>)['userland-proxy'];
    return value !== false;
  } catch {
    return undefined;
  }
}
