import { sleep } from '../util/sleep.ts';
import { loadTestcontainers } from './docker-engine.ts';
import { currentNamespace, managedLabel, namespaceLabel, runIdLabel } from './labels.ts';

/**
 * Removes containers and networks carrying shardmove's label: one run's, or all of them
 * (under SHARDMOVE_NAMESPACE, all of that namespace's).
 */
export async function sweepContainers(
  scope: { runId: string } | 'all',
): Promise<{ containers: number; networks: number }> {
  const tc = await loadTestcontainers();
  const docker = (await tc.getContainerRuntimeClient()).container.dockerode;
  const namespace = currentNamespace();
  const label =
    scope === 'all'
      ? [`${managedLabel}=true`, ...(namespace ? [`${namespaceLabel}=${namespace}`] : [])]
      : [`${runIdLabel}=${scope.runId}`];
  const filters = JSON.stringify({ label });
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
        }),
    ),
  );
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => removeNetwork(docker.getNetwork(n.Id))));
  return { containers: containers.length, networks: networks.length };
}

/**
 * The engine can still count a just-removed container as attached (403/409, "active
 * endpoints") for a moment: retry for a few seconds before giving up.
 */
async function removeNetwork(network: { remove(): Promise<unknown> }): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await network.remove();
      return;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404) return;
      if ((status !== 403 && status !== 409) || attempt >= 20) throw error;
      await sleep(250);
    }
  }
}
