import type { EventSink, HarnessEvent } from '../events.ts';
import { formatRows } from './format.ts';

export interface Reporter {
  readonly sink: EventSink;
  /** Clears the live progress block before other output. */
  flush(): void;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function progressText(event: Extract<HarnessEvent, { type: 'progress' }>): string {
  const pct = event.total > 0 ? ` (${Math.floor((event.done / event.total) * 100)}%)` : '';
  const rate = event.ratePerSecond ? `, ${formatRows(event.ratePerSecond)} ${event.unit}/s` : '';
  const eta =
    event.etaSeconds !== undefined && event.done < event.total
      ? `, ETA ${Math.ceil(event.etaSeconds)} s`
      : '';
  const count =
    event.unit === 'rows'
      ? `${formatRows(event.done)}/${formatRows(event.total)}`
      : `${event.done}/${event.total}`;
  return `${event.step}: ${count} ${event.unit}${pct}${rate}${eta}`;
}

/**
 * On a TTY, a live block with one line per step in progress (parallel shards each get
 * theirs), redrawn in place; otherwise plain timestamped lines, progress at most once a
 * second per step, fit for CI logs.
 */
export function createReporter(stream: NodeJS.WriteStream = process.stderr, quiet = false): Reporter {
  const tty = Boolean(stream.isTTY) && !process.env.CI;
  const live = new Map<string, string>();
  let drawn = 0;
  const lastPlain = new Map<string, number>();
  const erase = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}A\x1b[0J`);
    drawn = 0;
  };
  const draw = () => {
    erase();
    for (const text of live.values()) stream.write(`… ${text}\n`);
    drawn = live.size;
  };
  const line = (text: string) => {
    if (tty) {
      erase();
      stream.write(`${text}\n`);
      draw();
    } else stream.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
  };
  const sink = (event: HarnessEvent) => {
    if (quiet && event.type !== 'warning') return;
    switch (event.type) {
      case 'step-start': {
        const text = `${event.step}${event.detail ? ` (${event.detail})` : ''}`;
        if (tty) {
          live.set(event.step, text);
          draw();
        } else line(`${text}: started`);
        break;
      }
      case 'step-end':
        live.delete(event.step);
        line(
          event.outcome === 'ok'
            ? `${tty ? '✓ ' : ''}${event.step}: done in ${seconds(event.durationMillis)}`
            : `${tty ? '✗ ' : ''}${event.step}: failed after ${seconds(event.durationMillis)}`,
        );
        break;
      case 'progress':
        if (tty) {
          live.set(event.step, progressText(event));
          draw();
        } else if (Date.now() - (lastPlain.get(event.step) ?? 0) >= 1000 || event.done === event.total) {
          lastPlain.set(event.step, Date.now());
          line(progressText(event));
        }
        break;
      case 'info':
        line(event.message);
        break;
      case 'warning':
        line(`warning: ${event.message}`);
        break;
    }
  };
  return {
    sink,
    flush: () => {
      if (tty) erase();
    },
  };
}
