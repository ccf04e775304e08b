import { loadConfig } from '../harness/config/load-config.ts';
import { ignoreEvents } from '../harness/events.ts';
import { seedTopology } from '../harness/seed/seed-topology.ts';
import { restoreShards, snapshotShards } from '../harness/seed/snapshot.ts';
import { startTopology } from '../harness/topology/start-topology.ts';

/**
 * Whether snapshots make repeated rehearsals faster (issue 3): resetting the `default`
 * profile's data by restoring every shard from its template, against reseeding it, on
 * the same clusters in the same run.
 */
export async function snapshotRestoreBench(): Promise<void> {
  const { config } = await loadConfig({ flags: { seeding: { profile: 'default' } } });
  await using topology = await startTopology({ config, events: ignoreEvents });
  const shards = Array.from({ length: 32 }, (_, i) => i);
  await snapshotShards(topology.nodes, config, topology.runId, shards);
  const time = async (fn: () => Promise<unknown>) => {
    const started = performance.now();
    await fn();
    return (performance.now() - started) / 1000;
  };
  const reseed = await time(() =>
    seedTopology(topology.nodes, { ...config, seeding: { ...config.seeding, truncate: true } }, ignoreEvents),
  );
  const restore = await time(() => restoreShards(topology.nodes, config, topology.runId, shards));
  console.log(
    `reset of the default profile (db23 at 1M/1M/500k, 31 shards at 100k/100k/50k), provider ${topology.provider}`,
  );
  console.log(
    `  reseed ${reseed.toFixed(1)} s, restore from snapshots ${restore.toFixed(1)} s: restore takes ${(restore / reseed).toFixed(2)} of the time`,
  );
}
