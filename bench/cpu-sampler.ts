import { readFileSync } from 'node:fs';

export interface CpuSampler {
  stop(): void;
  /**
   * CPU milliseconds per wall second over (about) the `seconds` sampled before `endAt`
   * (performance.now()), the run's end: what a tool spends after it (a summary, closing its
   * connections) is not a call's.
   */
  rateOver(seconds: number, endAt: number): number;
}

/**
 * Reads a CPU clock once a second, so that a run's CPU can be taken over its steady
 * seconds alone: a tool's start (for `shardmove load`, its threads compiling their modules)
 * would otherwise be spread over the calls and make a short run look dearer per call.
 */
export function sampleCpu(readCpuMillis: () => number | undefined): CpuSampler {
  const samples: { at: number; cpuMillis: number }[] = [];
  const take = () => {
    const cpuMillis = readCpuMillis();
    if (cpuMillis !== undefined) samples.push({ at: performance.now(), cpuMillis });
  };
  take();
  const timer = setInterval(take, 1000);
  return {
    stop: () => clearInterval(timer),
    rateOver(seconds, endAt) {
      const within = samples.filter((s) => s.at <= endAt);
      const last = within.at(-1);
      const first = within.at(-1 - seconds) ?? within[0];
      if (!last || !first || last.at === first.at) return Number.NaN;
      return (last.cpuMillis - first.cpuMillis) / ((last.at - first.at) / 1000);
    },
  };
}

/** This process, every thread of it. */
export const ownCpuMillis = (): number => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
};

/** Clock ticks per second of /proc's CPU times: 100 on every Linux build this runs on. */
const ticksPerSecond = 100;

/** Another process's user + system time from /proc; undefined once it is gone. */
export function processCpuMillis(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}
