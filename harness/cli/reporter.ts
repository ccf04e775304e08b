import type { EventSink, HarnessEvent } from '../events.ts';

export interface Reporter {
  readonly sink: EventSink;
  /** Clears any live status line before other output. */
  flush(): void;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * On a TTY, a live status line that progress updates in place; otherwise plain
 * timestamped lines, with progress at most once a second, fit for CI logs.
 */
export function createReporter(stream: NodeJS.WriteStream = process.stderr, quiet = false): Reporter {
  const tty = Boolean(stream.isTTY) && !process.env.CI;
  let live = false;
  let lastProgressAt = 0;
  const clear = () => {
    if (live) {
      stream.write('\r\x1b[2K');
      live = false;
    }
  };
  const line = (text: string) => {
    clear();
    stream.write(tty ? `${text}\n` : `[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
  };
  const sink = (event: HarnessEvent) => {
    if (quiet && event.type !== 'warning') return;
    switch (event.type) {
      case 'step-start':
        if (tty) {
          clear();
          stream.write(`… ${event.step}${event.detail ? ` (${event.detail})` : ''}`);
          live = true;
        } else line(`${event.step}: started${event.detail ? ` (${event.detail})` : ''}`);
        break;
      case 'step-end':
        line(
          event.outcome === 'ok'
            ? `${tty ? '✓ ' : ''}${event.step}: done in ${seconds(event.durationMillis)}`
            : `${tty ? '✗ ' : ''}${event.step}: failed after ${seconds(event.durationMillis)}`,
        );
        break;
      case 'progress': {
        const text = `${event.step}: ${event.done}/${event.total} ${event.unit}`;
        if (tty) {
          clear();
          stream.write(`… ${text}`);
          live = true;
        } else if (Date.now() - lastProgressAt >= 1000 || event.done === event.total) {
          lastProgressAt = Date.now();
          line(text);
        }
        break;
      }
      case 'info':
        line(event.message);
        break;
      case 'warning':
        line(`warning: ${event.message}`);
        break;
    }
  };
  return { sink, flush: clear };
}
