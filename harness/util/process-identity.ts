import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { processAlive } from './process-alive.ts';

/**
 * Who a process is, beyond its pid: in a container every start has the same pids, and a
 * pid is reused once its process is gone. The kernel's boot id and the process's start
 * time (in clock ticks since boot) tell a live owner from a stranger that got its pid.
 */
export interface ProcessIdentity {
  readonly host: string;
  readonly bootId: string;
  readonly pid: number;
  readonly startTicks: number;
}

/** alive: this very process still runs; gone: it does not; elsewhere: another host's, which this one cannot tell. */
export type Liveness = 'alive' | 'gone' | 'elsewhere';

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** Field 22 of /proc/PID/stat; the command name before it may hold spaces and parentheses. */
export function startTicksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

export function identityOf(pid: number): ProcessIdentity {
  return { host: hostname(), bootId: bootId(), pid, startTicks: startTicksOf(pid) ?? -1 };
}

export function currentProcess(): ProcessIdentity {
  return identityOf(process.pid);
}

export function livenessOf(owner: Partial<ProcessIdentity> & { readonly pid: number }): Liveness {
  if (owner.host !== undefined && owner.host !== hostname()) return 'elsewhere';
  if (owner.bootId !== undefined && owner.bootId !== '' && owner.bootId !== bootId()) return 'gone';
  if (!processAlive(owner.pid)) return 'gone';
  // A record from before identities (pid only), or a system without /proc: the pid is all there is.
  if (owner.startTicks === undefined || owner.startTicks < 0) return 'alive';
  const ticks = startTicksOf(owner.pid);
  return ticks === undefined || ticks === owner.startTicks ? 'alive' : 'gone';
}

export function describeIdentity(owner: Partial<ProcessIdentity> & { readonly pid: number }): string {
  return `pid ${owner.pid}${owner.host ? ` on ${owner.host}` : ''}`;
}
