import type { ShardmoveConfig } from '../config/config-types.ts';
import type { EventSink } from '../events.ts';
import type { StartedTopology } from '../topology/start-topology.ts';
import type { RehearsalResult } from './rehearsal-result.ts';
import { rehearse, withScenarioTopology } from './run-rehearsal.ts';

/** A move there and, once it passed, the move back; or why there was none. */
export interface MovesThereAndBack {
  readonly there: RehearsalResult;
  readonly back: RehearsalResult | undefined;
  /** Why the move back did not start (the move there did not pass, or old's copy is still there). */
  readonly backSkipped: string | undefined;
}

/**
 * The topology as the move back sees it: the partition leaves new for old, so new plays
 * old's part and old new's. Every phase, check and watch then works unchanged, in the
 * move's own words (old: where the partition leaves; new: where it goes).
 */
export function reversedTopology(topology: StartedTopology): StartedTopology {
  const { proxy, old, new: fresh } = topology.nodes;
  return { ...topology, nodes: { proxy, old: fresh, new: old } };
}

/**
 * The move, then, only if it passed every check and old's copy is gone, the move back under
 * a fresh load with the same checks; its ledger check answers for the writes of both moves,
 * all on old at the end.
 */
export async function rehearseThereAndBack(
  topology: StartedTopology,
  config: ShardmoveConfig,
  events: EventSink,
): Promise<MovesThereAndBack> {
  const there = await rehearse(topology, config, events);
  const skipped =
    there.verdict !== 'pass'
      ? `the move there did not pass (${there.verdict})`
      : there.dropOld?.status !== 'ok'
        ? "old's copy of the partition was not dropped after the move there"
        : undefined;
  if (skipped) {
    events({ type: 'warning', message: `no move back: ${skipped}` });
    return { there, back: undefined, backSkipped: skipped };
  }
  events({
    type: 'info',
    message: `the move back: p${config.topology.movePartition} from new to old, under a fresh load, with the same checks`,
  });
  const back = await rehearse(reversedTopology(topology), config, events, {
    earlierWrites: there.load.ledger,
  });
  return { there, back, backSkipped: undefined };
}

/** up + seed + the move there and back + down. */
export function runScenarioThereAndBack(
  config: ShardmoveConfig,
  events: EventSink,
  options: { readonly keep?: boolean } = {},
): Promise<MovesThereAndBack> {
  return withScenarioTopology(config, events, options, (topology) =>
    rehearseThereAndBack(topology, config, events),
  );
}
