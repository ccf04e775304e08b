import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { NodeRole } from '../config/config-types.ts';
import { nodeRoles } from '../config/config-types.ts';
import { errorMessage } from '../errors.ts';
import { runCommand } from '../lifecycle/run-command.ts';

/** Where a run's network is recorded, in its base directory, before any of it exists: a sweep after a crash finds it there. */
export const networkRecordFile = 'network.json';

export interface NamespacedNode {
  readonly namespace: string;
  readonly address: string;
  /** The veth end inside the namespace; its peer on the bridge goes with it. */
  readonly device: string;
  readonly hostDevice: string;
}

export interface NodeNetwork {
  readonly bridge: string;
  readonly gateway: string;
  /** The nodes' subnet, for pg_hba.conf. */
  readonly subnet: string;
  readonly nodes: Readonly<Record<NodeRole, NamespacedNode>>;
  /** The iptables rule that lets the bridge forward between the namespaces, when one was needed. */
  readonly forwardRule?: readonly string[];
  readonly delayMillis: number;
  /** The rate each node sends at, at most (Mbit/s; 0: the veth's own). */
  readonly bandwidthMbit: number;
}

/** What each node's link adds: a one-way delay (tc netem) and a rate limit (tc tbf, or netem's own rate with a delay). */
export interface LinkShaping {
  readonly delayMillis: number;
  readonly bandwidthMbit: number;
}

/**
 * The qdisc on a node's end of its veth pair, as `tc qdisc add` arguments after the device,
 * or undefined for none. tbf's bucket holds one kernel tick's worth at the rate (250 Hz at
 * most here), and never less than 32 KiB, or it could not pass a full-size segment burst.
 */
export function shapingQdisc(shaping: LinkShaping): string[] | undefined {
  const rate = shaping.bandwidthMbit > 0 ? [`${shaping.bandwidthMbit}mbit`] : [];
  if (shaping.delayMillis > 0)
    return ['root', 'netem', 'delay', `${shaping.delayMillis}ms`, ...(rate.length ? ['rate', ...rate] : [])];
  if (!rate.length) return undefined;
  const burstKib = Math.max(32, Math.ceil((shaping.bandwidthMbit * 1e6) / 8 / 250 / 1024));
  return ['root', 'tbf', 'rate', ...rate, 'burst', `${burstKib}kb`, 'latency', '50ms'];
}

/** ", each adding 5 ms to what it sends, at most 100 Mbit/s", or nothing. */
export function shapingWords(shaping: LinkShaping): string {
  const words = [
    ...(shaping.delayMillis > 0 ? [`adding ${shaping.delayMillis} ms to what it sends`] : []),
    ...(shaping.bandwidthMbit > 0 ? [`sending at most ${shaping.bandwidthMbit} Mbit/s`] : []),
  ];
  return words.length ? `, each node ${words.join(', ')}` : '';
}

const ip = (args: string[], what: string) => runCommand('ip', args, { what });

/** Whether this kernel can delay packets (tc netem), read from its config when it publishes it. */
export async function kernelHasNetem(): Promise<boolean | undefined> {
  const config = await readFile('/proc/config.gz').catch(() => undefined);
  if (!config) return undefined;
  return /^CONFIG_NET_SCH_NETEM=[ym]$/m.test(gunzipSync(config).toString('utf8'));
}

async function usedSubnets(): Promise<Set<string>> {
  const { stdout } = await ip(['-o', '-4', 'addr', 'show'], 'ip addr show');
  return new Set([...stdout.matchAll(/inet (10\.231\.\d+)\./g)].map((m) => m[1] ?? ''));
}

/** Names under the kernel's 15-character limit for interfaces, one set per run. */
async function plan(runId: string, shaping: LinkShaping): Promise<NodeNetwork> {
  const id = createHash('sha1').update(runId).digest('hex').slice(0, 6);
  const used = await usedSubnets();
  let third = (Number.parseInt(id, 16) % 250) + 1;
  while (used.has(`10.231.${third}`)) third = (third % 250) + 1;
  const prefix = `10.231.${third}`;
  const nodes = Object.fromEntries(
    nodeRoles.map((role, i) => [
      role,
      {
        namespace: `shardmove-${runId}-${role}`,
        address: `${prefix}.${i + 2}`,
        device: `smp${id}${role[0]}`,
        hostDevice: `smv${id}${role[0]}`,
      },
    ]),
  ) as Record<NodeRole, NamespacedNode>;
  return { bridge: `smb${id}`, gateway: `${prefix}.1`, subnet: `${prefix}.0/24`, nodes, ...shaping };
}

/** Docker's FORWARD policy is DROP, and with br_netfilter bridged frames go through it. */
async function forwardRuleNeeded(): Promise<boolean> {
  if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) return false;
  const on = (await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8')).trim() === '1';
  if (!on) return false;
  return runCommand('iptables', ['-S', 'FORWARD'], { what: 'iptables -S FORWARD' }).then(
    ({ stdout }) => /^-P FORWARD DROP/m.test(stdout),
    () => false,
  );
}

/**
 * A bridge with the given gateway, and each node in a namespace of its own, joined to it by
 * a veth pair, with its own address (and, shaped, a qdisc on what it sends: shapingQdisc). Recorded in
 * `baseDir` first, so that whatever part of it a crash leaves is swept by removeNodeNetwork.
 * Whether the kernel can delay is the local provider's preflight to say, before anything starts.
 */
export async function createNodeNetwork(
  baseDir: string,
  runId: string,
  shaping: LinkShaping,
): Promise<NodeNetwork> {
  const planned = await plan(runId, shaping);
  const qdisc = shapingQdisc(shaping);
  const network = (await forwardRuleNeeded())
    ? { ...planned, forwardRule: ['FORWARD', '-i', planned.bridge, '-o', planned.bridge, '-j', 'ACCEPT'] }
    : planned;
  await writeFile(join(baseDir, networkRecordFile), `${JSON.stringify(network, null, 2)}\n`);
  await ip(['link', 'add', network.bridge, 'type', 'bridge'], `bridge ${network.bridge}`);
  await ip(['addr', 'add', `${network.gateway}/24`, 'dev', network.bridge], 'bridge address');
  await ip(['link', 'set', network.bridge, 'up'], 'bridge up');
  if (network.forwardRule)
    await runCommand(
      'iptables',
      ['-I', ...network.forwardRule.slice(0, 1), '1', ...network.forwardRule.slice(1)],
      {
        what: 'iptables: let the bridge forward between the namespaces',
      },
    );
  for (const node of Object.values(network.nodes)) {
    await ip(['netns', 'add', node.namespace], `namespace ${node.namespace}`);
    await ip(['link', 'add', node.hostDevice, 'type', 'veth', 'peer', 'name', node.device], 'veth pair');
    await ip(['link', 'set', node.device, 'netns', node.namespace], 'veth into its namespace');
    await ip(['link', 'set', node.hostDevice, 'master', network.bridge, 'up'], 'veth onto the bridge');
    await ip(['-n', node.namespace, 'addr', 'add', `${node.address}/24`, 'dev', node.device], 'node address');
    await ip(['-n', node.namespace, 'link', 'set', node.device, 'up'], 'node link up');
    await ip(['-n', node.namespace, 'link', 'set', 'lo', 'up'], 'node loopback up');
    if (qdisc)
      await runCommand('tc', ['-n', node.namespace, 'qdisc', 'add', 'dev', node.device, ...qdisc], {
        what: `${qdisc[1]} on ${node.namespace}`,
      });
  }
  return network;
}

export async function readNodeNetwork(baseDir: string): Promise<NodeNetwork | undefined> {
  const text = await readFile(join(baseDir, networkRecordFile), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as NodeNetwork);
}

/**
 * Whether a failed delete says the thing is not there, which for a sweep is success.
 * "No such device": the name was found, then went before the delete reached it.
 */
export function alreadyGone(message: string): boolean {
  return /No such file|No such device|Cannot find device|does not exist|Bad rule|No chain/i.test(message);
}

/**
 * Removes what the record names, whatever of it exists: each veth pair, the namespaces, the
 * bridge, the forwarding rule.
 * Never throws: a sweep goes on; what could not be removed is returned.
 */
export async function removeNodeNetwork(network: NodeNetwork): Promise<string[]> {
  const left: string[] = [];
  const attempt = async (what: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      if (!alreadyGone(errorMessage(error))) left.push(`${what}: ${errorMessage(error)}`);
    }
  };
  for (const node of Object.values(network.nodes)) {
    // The host end first: deleting a veth removes both ends at once, whereas a deleted
    // namespace takes its end, and with it the host's, only later, in the kernel's cleanup.
    await attempt(`link ${node.hostDevice}`, () => ip(['link', 'del', node.hostDevice], 'ip link del'));
    await attempt(`namespace ${node.namespace}`, () => ip(['netns', 'del', node.namespace], 'ip netns del'));
  }
  await attempt(`bridge ${network.bridge}`, () => ip(['link', 'del', network.bridge], 'ip link del'));
  const rule = network.forwardRule;
  if (rule)
    await attempt('iptables rule', () => runCommand('iptables', ['-D', ...rule], { what: 'iptables -D' }));
  return left;
}
