import { errorMessage } from '../errors.ts';
import { clockSkew } from './probes/clock-skew.ts';
import { connectionCapacity } from './probes/connection-capacity.ts';
import { diskSpace } from './probes/disk-space.ts';
import { extensions } from './probes/extensions.ts';
import { functionSurface } from './probes/function-surface.ts';
import { openTransactions } from './probes/open-transactions.ts';
import { replicationCapacity } from './probes/replication-capacity.ts';
import { strategyPrivileges } from './probes/strategy-privileges.ts';
import { tableKeys } from './probes/table-keys.ts';
import {
  type Readiness,
  type ReadinessCause,
  type ReadinessInput,
  type ReadinessItem,
  unknown,
} from './readiness.ts';

const probes: ReadonlyArray<readonly [ReadinessCause, (input: ReadinessInput) => Promise<ReadinessItem>]> = [
  ['function surface', functionSurface],
  ['extensions', extensions],
  ['table keys', tableKeys],
  ['open transactions', openTransactions],
  ['replication capacity', replicationCapacity],
  ['privileges', strategyPrivileges],
  ['connections on new', connectionCapacity],
  ['disk space on new', diskSpace],
  ['clock skew', clockSkew],
];

/**
 * The go/no-go answer before a move: every probe reads, none changes anything. Never throws:
 * a probe that cannot run (a privilege, a node down) answers unknown with the reason.
 */
export async function checkReadiness(input: ReadinessInput): Promise<Readiness> {
  const items: ReadinessItem[] = [];
  for (const [cause, probe] of probes) {
    items.push(
      await probe(input).catch((error) => unknown(cause, `could not check: ${errorMessage(error)}`)),
    );
  }
  return {
    go: items.every((i) => i.answer !== 'no-go'),
    strategy: input.strategy,
    database: input.database,
    items,
  };
}

/** One line per item, no-go first, for a terminal or a report. */
export function readinessLines(readiness: Readiness): string[] {
  const mark = { go: 'go   ', 'no-go': 'NO-GO', unknown: '??   ' } as const;
  const order = { 'no-go': 0, unknown: 1, go: 2 } as const;
  const sorted = [...readiness.items].sort((a, b) => order[a.answer] - order[b.answer]);
  return [
    `${readiness.go ? 'GO' : 'NO-GO'}: moving ${readiness.database} with ${readiness.strategy}`,
    ...sorted.flatMap((i) => [
      `  ${mark[i.answer]} ${i.cause}: ${i.detail}`,
      ...i.reasons.map((r) => `          - ${r}`),
    ]),
  ];
}
