import type { ShardmoveConfig } from '../config/config-types.ts';
import type { LoadGroup } from '../load/scripts.ts';

export interface RehearsalLoadPlan {
  /** Started in closed loop (the warm-up and the capacity probe); the rates come from calibration. */
  readonly groups: LoadGroup[];
  /** How the calibrated rate is split over the groups, in their order. */
  readonly weights: number[];
}

/**
 * The rehearsal's load: uniform insert_log writers (the seed's workload), extra writers on
 * the moved partition so its figures carry signal, and readers of the moved partition.
 * Open loop once calibrated, so that throughput is a measurement rather than a tug-of-war.
 */
export function rehearsalLoad(config: ShardmoveConfig): RehearsalLoadPlan {
  const r = config.rehearsal;
  const partition = config.topology.movePartition;
  const groups: LoadGroup[] = [
    { name: 'writers', clients: config.load.clients, scripts: [{ name: 'insert_log', weight: 1 }] },
    {
      name: 'moved readers',
      clients: r.readerClients,
      scripts: [
        { name: 'query_pk', weight: 1 },
        { name: 'query_smalltbl', weight: 1 },
      ],
      partition,
    },
  ];
  const weights = [r.writerWeight, r.readerWeight];
  if (r.movedWriterClients > 0) {
    groups.push({
      name: 'moved writers',
      clients: r.movedWriterClients,
      scripts: [{ name: 'insert_log', weight: 1 }],
      partition,
    });
    weights.push(r.movedWriterWeight);
  }
  return { groups, weights };
}
