import { epochNow } from '../../util/epoch-clock.ts';
import type { MigrationContext } from '../migration-context.ts';
import { routePartition } from '../partition-target.ts';
import type { Phase } from '../phase-result.ts';
import { oldLoginLogRows } from './freeze-barrier.ts';

/** Routes the partition to new: PL/Proxy's cluster, or the pooler on a pooled topology. */
export const switchToNew: Phase<MigrationContext, 'switch'> = {
  name: 'switch',
  async run(context, evidence) {
    // Counted again right before routing: parity may have been a while ago (logical's comes
    // after the switch), and a write old took since would stay behind on old.
    const atBarrier = context.marks.oldLogRowsAtBarrier;
    if (atBarrier !== undefined) {
      const slipped = (await oldLoginLogRows(context)) - atBarrier;
      evidence.oldWritesAfterBarrier = slipped;
      if (slipped !== 0)
        throw new Error(`old's login_log took ${slipped} writes after the freeze barrier: not switching`);
    }
    await routePartition(context, 'new', evidence);
    context.marks.switchAt = epochNow();
  },
};
