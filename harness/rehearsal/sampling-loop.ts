import type pg from 'pg';
import { sleep } from '../util/sleep.ts';

/**
 * A connection a watch keeps between samples and opens again after a failure: a node
 * restarted or paused by a fault must cost the watch a sample, not the run.
 */
export class KeptClient {
  private client: pg.Client | undefined;
  private closed = false;

  constructor(private readonly open: () => Promise<pg.Client>) {}

  async get(): Promise<pg.Client> {
    if (this.closed) throw new Error('the watch has stopped');
    if (!this.client) {
      const client = await this.open();
      // Stopped while connecting: a sample that outlived stop()'s wait leaves nothing open.
      if (this.closed) {
        await client.end().catch(() => {});
        throw new Error('the watch has stopped');
      }
      this.client = client;
    }
    return this.client;
  }

  /** Closes it; the next get() opens a new one. */
  async drop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  /** Closes it for good: get() fails from now on. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drop();
  }
}

export interface StartedSampling {
  /**
   * Ends the loop after the sample in flight, waiting for it at most `waitMillis` (a node
   * paused by a fault answers nothing; undefined: as long as it takes).
   */
  stop(waitMillis?: number): Promise<void>;
}

/**
 * Calls `sample` every `intervalMillis` (after the previous one ended) until stopped. A
 * sample that throws is handed to `onFailure` (by default skipped), and the loop goes on.
 */
export function startSampling(
  intervalMillis: number,
  sample: () => Promise<void>,
  onFailure: (error: unknown) => Promise<void> = async () => {},
): StartedSampling {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        await sample();
      } catch (error) {
        await onFailure(error);
      }
      await sleep(intervalMillis);
    }
  })();
  return {
    async stop(waitMillis?: number) {
      stopped = true;
      await (waitMillis === undefined ? loop : Promise.race([loop, sleep(waitMillis)]));
    },
  };
}
