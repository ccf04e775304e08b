import { movedTables } from '../../config/topology-layout.ts';
import { checkReadiness } from '../../readiness/check-readiness.ts';
import type { Readiness, ReadinessInput } from '../../readiness/readiness.ts';
import type { MigrationContext } from '../migration-context.ts';
import type { Phase } from '../phase-result.ts';

/** The freeze's lock waits on a transaction this old, and every second of it is write outage. */
const longTransactionMillis = 5_000;
/** The run's timeline lines up the nodes' clocks to well under a second. */
const maxClockSkewMillis = 500;

export function readinessInput(context: MigrationContext, expectedProxyBackends = 0): ReadinessInput {
  return {
    sessions: context,
    provider:
      context.handle?.provider ?? (context.config.provider === 'auto' ? 'external' : context.config.provider),
    strategy: context.config.migration.strategy,
    database: context.database,
    proxyDatabase: context.config.topology.proxyDatabase,
    tables: movedTables(context.config.migration.logs),
    appendOnlyTables: ['login_log'],
    expectedProxyBackends,
    longTransactionMillis,
    maxClockSkewMillis,
  };
}

export class NotReady extends Error {
  constructor(readonly readiness: Readiness) {
    const reasons = readiness.items.flatMap((i) => i.reasons.map((r) => `${i.cause}: ${r}`));
    super(`not ready to move ${readiness.database}: ${reasons.join('; ')}`);
  }
}

/** Every migration's first phase: the go/no-go gate. A no-go stops the move before anything changed. */
export const readiness: Phase<MigrationContext, 'readiness'> = {
  name: 'readiness',
  async run(context, evidence) {
    const answer = await checkReadiness(readinessInput(context));
    evidence.go = answer.go;
    evidence.items = answer.items;
    if (!answer.go) throw new NotReady(answer);
  },
};
