import type { ShardmoveConfig } from '../config/config-types.ts';
import { loadScriptFiles } from '../load/script-files.ts';
import type { LoadGroup } from '../load/scripts.ts';

export interface RehearsalLoadPlan {
  /** Started in closed loop (the warm-up and the capacity probe); the rates come from calibration. */
  readonly groups: LoadGroup[];
  /** How the calibrated rate is split over the groups, in their order. */
  readonly weights: number[];
}

/**
 * The rehearsal's load: uniform insert_log writers (the seed's workload), extra writers on
 * the moved partition so its figures carry signal, readers of the moved partition, and the
 * case's own pgbench scripts beside (or, builtinWriters false, instead of) the writers.
 * Open loop once calibrated, so that throughput is a measurement rather than a tug-of-war.
 */
export async function rehearsalLoad(config: ShardmoveConfig): Promise<RehearsalLoadPlan> {
  const r = config.rehearsal;
  const partition = config.topology.movePartition;
  const builtin = config.load.builtinWriters;
  const groups: LoadGroup[] = [
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
  const weights = [r.readerWeight];
  if (builtin) {
    groups.unshift({
      name: 'writers',
      clients: config.load.clients,
      scripts: [{ name: 'insert_log', weight: 1 }],
    });
    weights.unshift(r.writerWeight);
  }
  if (builtin && r.movedWriterClients > 0) {
    groups.push({
      name: 'moved writers',
      clients: r.movedWriterClients,
      scripts: [{ name: 'insert_log', weight: 1 }],
      partition,
    });
    weights.push(r.movedWriterWeight);
  }
  if (config.load.scripts.length > 0) {
    // The user's workload: its calls are attributed by the scripts' key directives.
    groups.push({
      name: 'your scripts',
      clients: config.load.scriptClients,
      scripts: await loadScriptFiles(config.load.scripts),
    });
    weights.push(config.load.scriptWeight);
  }
  return { groups, weights };
}
