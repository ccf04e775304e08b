import type { ShardmoveConfig } from '../config/config-types.ts';
import type { LoadGroup } from '../load/scripts.ts';

/**
 * The rehearsal's load, open loop so that throughput is a measurement rather than a
 * tug-of-war: uniform insert_log writers (the seed's workload), extra writers on the
 * moved partition so its figures carry signal, and readers of the moved partition.
 */
export function rehearsalLoad(config: ShardmoveConfig): LoadGroup[] {
  const r = config.rehearsal;
  const partition = config.topology.movePartition;
  const groups: LoadGroup[] = [
    {
      name: 'writers',
      clients: config.load.clients,
      scripts: [{ name: 'insert_log', weight: 1 }],
      ratePerSecond: r.writerRate,
    },
    {
      name: 'moved readers',
      clients: r.readerClients,
      scripts: [
        { name: 'query_pk', weight: 1 },
        { name: 'query_smalltbl', weight: 1 },
      ],
      partition,
      ratePerSecond: r.readerRate,
    },
  ];
  if (r.movedWriterClients > 0) {
    groups.push({
      name: 'moved writers',
      clients: r.movedWriterClients,
      scripts: [{ name: 'insert_log', weight: 1 }],
      partition,
      ratePerSecond: r.movedWriterRate,
    });
  }
  return groups;
}
