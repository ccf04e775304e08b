import { readFile } from 'node:fs/promises';

/**
 * How busy this host's CPUs were, second by second of the load: where the nodes run on
 * this host (local processes, containers), every node, the load generator and the move's
 * bulk work (a copy, a parity hash) share its cores. A dip of the other partitions while
 * the host was saturated says something about the host, not about the procedure.
 */
export interface HostCpu {
  /** Busy share of all cores (0..1) per load second; NaN where no sample covers it. */
  stop(): number[];
}

interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

/**
 * The aggregate `cpu` line of /proc/stat. iowait counts as busy: a core stalled on the
 * disk that every node shares is as taken as one computing (a bulk copy is both).
 */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is inside user already).
  const total = v.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const idle = v[3] ?? 0;
  return { busy: total - idle, total };
}

async function cpuTimes(): Promise<CpuTimes | undefined> {
  return parseProcStat(await readFile('/proc/stat', 'utf8').catch(() => ''));
}

/** Samples /proc/stat every second from now on; each interval's share goes to the load second holding its midpoint. */
export async function sampleHostCpu(loadStartEpochMillis: number, now: () => number): Promise<HostCpu> {
  const shares: number[] = [];
  let last = await cpuTimes();
  let lastAt = now();
  const timer = setInterval(async () => {
    const times = await cpuTimes();
    const at = now();
    if (times && last && times.total > last.total) {
      const second = Math.floor(((at + lastAt) / 2 - loadStartEpochMillis) / 1000);
      if (second >= 0) shares[second] = (times.busy - last.busy) / (times.total - last.total);
    }
    last = times;
    lastAt = at;
  }, 1000);
  timer.unref();
  return {
    stop() {
      // A sample still reading /proc/stat lands in `shares` after this copy: one second fewer.
      clearInterval(timer);
      return Array.from({ length: shares.length }, (_, i) => shares[i] ?? Number.NaN);
    },
  };
}
