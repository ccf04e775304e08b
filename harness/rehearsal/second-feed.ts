import type { RunningLoad } from '../load/run-load.ts';
import { okPerSecond, type SecondSample } from '../load/samples.ts';
import { epochNow } from '../util/epoch-clock.ts';

/**
 * The load's seconds as they end, for stages that wait on what the load measures (a steady
 * warm-up, a full baseline, a recovery) instead of sleeping a fixed time.
 */
export class SecondFeed {
  private readonly samples: SecondSample[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  constructor(private readonly load: RunningLoad) {
    load.onSecond((s) => {
      this.samples[s.second] = s;
      this.wake?.();
    });
    const end = () => {
      this.ended = true;
      this.wake?.();
    };
    load.done.then(end, end);
  }

  /** Seconds of the run that have ended (and been merged from every thread). */
  get count(): number {
    return this.samples.length;
  }

  /** The epoch ms at which a second of the run starts. */
  epochOf(second: number): number {
    return this.load.startEpochMillis + second * 1000;
  }

  secondOf(epochMillis: number): number {
    return Math.floor((epochMillis - this.load.startEpochMillis) / 1000);
  }

  seconds(from = 0, to = this.count): SecondSample[] {
    return this.samples.slice(from, to).filter((s) => s !== undefined);
  }

  okSeries(include: (partition: number) => boolean = () => true): number[] {
    return okPerSecond(this.seconds(), include);
  }

  /** Clients that have finished priming. */
  primed(): number {
    return this.seconds().reduce((n, s) => n + s.primed, 0);
  }

  /**
   * Re-evaluates `done` as each second ends; true once it holds, false at the deadline or
   * when the load has stopped.
   */
  async until(done: () => boolean, deadlineEpochMillis: number): Promise<boolean> {
    for (;;) {
      if (done()) return true;
      const left = deadlineEpochMillis - epochNow();
      if (left <= 0 || this.ended) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Waits until `n` more seconds have ended (or the load stopped). */
  async next(n: number): Promise<boolean> {
    const target = this.count + n;
    return this.until(() => this.count >= target, epochNow() + (n + 10) * 1000);
  }
}
