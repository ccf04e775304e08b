import { errorMessage } from '../../errors.ts';
import { forgetExternalRun } from '../../state/external-runs.ts';
import { removeJournal } from '../../state/migration-journal.ts';
import { describeHolder, liveLockHolder } from '../../state/migration-lock.ts';
import { readState, removeState, stateEndpoints } from '../../state/state-file.ts';
import { finishExternalRuns, stopByHandle, sweepEverything } from '../../topology/stop-kept.ts';
import type { Command } from '../command.ts';

export const downCommand: Command = {
  name: 'down',
  summary: 'stop what `up --keep` started (--all: everything shardmove ever labelled)',
  usage: `shardmove down [--all] [--state-dir DIR]

Stops the topology recorded in the state file and removes the state and pgpass files.
With --all, also removes every container and network labelled dev.shardmove.managed and
every local instance under <tmp>/shardmove-*, such as a SIGKILLed run leaves behind;
under SHARDMOVE_NAMESPACE, only those of runs started under the same namespace.
Either way, what a SIGKILLed run on external hosts created there (recorded in the state
directory while it ran) is dropped too. Nothing is stopped or dropped under a process that
still runs: a kept topology a \`migrate\` or \`recover\` holds the lock on, or an external
run whose process is alive (or ran on another host); each is named and left alone.

  --all                    sweep everything shardmove ever labelled on this machine
  --state-dir DIR          the state directory (default: .shardmove)`,
  options: { all: { type: 'boolean' }, 'state-dir': { type: 'string' } },
  async run({ values, reporter, out }) {
    const stateDir = typeof values['state-dir'] === 'string' ? values['state-dir'] : '.shardmove';
    let failed = false;
    const state = await readState(stateDir).catch((error: unknown) => {
      reporter.sink({ type: 'warning', message: errorMessage(error) });
      return undefined;
    });
    const migrating = state ? await liveLockHolder(stateDir) : undefined;
    if (state && migrating) {
      failed = true;
      reporter.sink({
        type: 'warning',
        message: `run ${state.runId} is left running: ${describeHolder(migrating)} is moving a partition on it; stop that first (its journal lets \`recover\` finish), then \`down\``,
      });
    } else if (state) {
      try {
        const summary = await stopByHandle(
          state.handle,
          async () => {
            const nodes = await stateEndpoints(state);
            return { proxy: nodes.proxy.endpoint, old: nodes.old.endpoint, new: nodes.new.endpoint };
          },
          10_000,
        );
        await removeState(stateDir, state);
        if (state.handle.provider === 'external') await forgetExternalRun(stateDir, state.runId);
        // An interrupted migration's journal goes with the topology it was about.
        await removeJournal(stateDir);
        out(`run ${state.runId} (${state.provider}): ${summary}`);
      } catch (error) {
        failed = true;
        reporter.sink({
          type: 'warning',
          message: `could not stop run ${state.runId}: ${errorMessage(error)}`,
        });
      }
    }
    const external = await finishExternalRuns(stateDir).catch((error: unknown) => {
      failed = true;
      reporter.sink({ type: 'warning', message: `could not finish an external run: ${errorMessage(error)}` });
      return [];
    });
    for (const line of external) out(line);
    if (!state && external.length === 0 && values.all !== true) {
      out(`nothing to stop: no kept topology in ${stateDir} (use --all to sweep leftovers)`);
    }
    if (values.all === true) {
      for (const line of await sweepEverything()) out(line);
    }
    return failed ? 1 : 0;
  },
};
