import { errorMessage } from '../errors.ts';
import {
  containerCpuSchedulings,
  containerNetworks,
  expectedOutcomes,
  faultKinds,
  freezeMethods,
  localNetworks,
  localPrivileges,
  logPolicies,
  migrationStrategies,
  poolerKinds,
  providerNames,
  seedDataModes,
  seedProfiles,
  switchModes,
} from './config-types.ts';
import { parseRate } from './rate-spec.ts';
import { parseThreshold } from './threshold-expression.ts';

/**
 * The shape of a config layer, used to reject unknown keys and wrong types with a message
 * that names the key. Leaves return an error string, or undefined when the value is fine.
 */
export type LeafCheck = (value: unknown) => string | undefined;
export interface ObjectShape {
  readonly fields: Readonly<Record<string, Shape>>;
  readonly optional?: boolean;
}
export type Shape = LeafCheck | ObjectShape;

const integer =
  (min: number, max: number): LeafCheck =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? undefined
      : `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`;

const boolean: LeafCheck = (v) =>
  typeof v === 'boolean' ? undefined : `must be true or false, got ${JSON.stringify(v)}`;

const nonEmptyString: LeafCheck = (v) =>
  typeof v === 'string' && v.length > 0 ? undefined : `must be a non-empty string, got ${JSON.stringify(v)}`;

/** Names that go into SQL: plain lower-case identifiers, so nothing needs guessing about quoting. */
const identifier: LeafCheck = (v) =>
  typeof v === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(v)
    ? undefined
    : `must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters), got ${JSON.stringify(v)}`;

const oneOf =
  (values: readonly string[]): LeafCheck =>
  (v) =>
    typeof v === 'string' && values.includes(v)
      ? undefined
      : `must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`;

const ratio: LeafCheck = (v) =>
  typeof v === 'number' && v >= 0 && v <= 1
    ? undefined
    : `must be a number from 0 to 1, got ${JSON.stringify(v)}`;

const optional =
  (check: LeafCheck): LeafCheck =>
  (v) =>
    v === undefined || v === null ? undefined : check(v);

const integerList: LeafCheck = (v) =>
  Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0)
    ? undefined
    : `must be a list of partition numbers, got ${JSON.stringify(v)}`;

const settingsMap: LeafCheck = (v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be an object of setting: value';
  for (const [key, value] of Object.entries(v)) {
    if (!/^[a-z_][a-z0-9_.]*$/.test(key)) return `has an invalid setting name ${JSON.stringify(key)}`;
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      return `setting ${key} must be a string, number or boolean`;
    }
    // A line break would end the setting and start another line of postgresql.conf.
    if (typeof value === 'string' && [...value].some((c) => c < ' ')) {
      return `setting ${key} holds a line break or control character`;
    }
  }
  return undefined;
};

const thresholdList: LeafCheck = (v) => {
  if (!Array.isArray(v)) return `must be a list like ["freeze_window_s < 15"], got ${JSON.stringify(v)}`;
  for (const item of v) {
    if (typeof item !== 'string') return `must hold strings, got ${JSON.stringify(item)}`;
    try {
      parseThreshold(item);
    } catch (error) {
      return errorMessage(error);
    }
  }
  return undefined;
};

const rateSpec: LeafCheck = (v) => {
  if (typeof v !== 'number' && typeof v !== 'string')
    return `must be calls per second (1500) or a share of capacity ("40%"), got ${JSON.stringify(v)}`;
  try {
    parseRate(v);
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
};

const reasonMap: LeafCheck = (v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return 'must be an object of "check name or threshold": "why it is expected to fail"';
  for (const [key, reason] of Object.entries(v)) {
    if (typeof reason !== 'string' || reason.trim() === '')
      return `${JSON.stringify(key)} needs the reason it is expected to fail, as a string`;
  }
  return undefined;
};

const sqlFileList: LeafCheck = (v) =>
  Array.isArray(v) && v.every((x) => typeof x === 'string')
    ? undefined
    : `must be a list of SQL files, got ${JSON.stringify(v)}`;

export const configShape: ObjectShape = {
  fields: {
    provider: oneOf(providerNames),
    containers: {
      fields: { network: oneOf(containerNetworks), cpuScheduling: oneOf(containerCpuSchedulings) },
    },
    local: {
      fields: {
        network: oneOf(localNetworks),
        delayMillis: integer(0, 10_000),
        bandwidthMbit: integer(0, 100_000),
        privileges: oneOf(localPrivileges),
      },
    },
    topology: {
      fields: {
        partitions: integer(4, 1024),
        oldPartitions: optional(integerList),
        movePartition: integer(0, 1023),
        clusterName: identifier,
        proxyDatabase: identifier,
        role: identifier,
        connectionLifetimeSeconds: integer(0, 86_400),
        auth: oneOf(['md5', 'scram-sha-256']),
        pooler: oneOf(poolerKinds),
        connectionCpuMillis: integer(0, 10_000),
      },
    },
    server: { fields: { proxy: settingsMap, backend: settingsMap } },
    seeding: {
      fields: {
        profile: oneOf(seedProfiles),
        data: oneOf(seedDataModes),
        fakerSeed: integer(0, 2 ** 31 - 1),
        moved: {
          optional: true,
          fields: { userinfoRows: integer(0, 1_000_001), tblSmallRows: integer(0, 10_000_000) },
        },
        others: {
          optional: true,
          fields: { userinfoRows: integer(0, 1_000_001), tblSmallRows: integer(0, 10_000_000) },
        },
        parallelShards: integer(1, 64),
        truncate: boolean,
      },
    },
    // Resolved and checked, with file and line, where a case file is read (load-config.ts).
    schema: {
      fields: { dataNode: sqlFileList, proxy: sqlFileList, fill: sqlFileList },
    },
    load: {
      fields: {
        clients: integer(1, 1000),
        // Resolved and parsed, with file and line, where a case file is read (load-config.ts).
        scripts: (v) =>
          Array.isArray(v) && v.every((x) => typeof x === 'string')
            ? undefined
            : `must be a list of pgbench script files ("scripts/a.sql@3"), got ${JSON.stringify(v)}`,
        scriptClients: integer(1, 1000),
        scriptWeight: integer(0, 1_000_000),
        builtinWriters: boolean,
      },
    },
    migration: {
      fields: {
        strategy: oneOf(migrationStrategies),
        // Checked, with file and line, where a case file is read (case-steps.ts).
        steps: optional((v) =>
          Array.isArray(v) ? undefined : `must be a list of steps, got ${JSON.stringify(v)}`,
        ),
        logs: oneOf(logPolicies),
        freeze: oneOf(freezeMethods),
        // Under 100 ms the barrier would terminate writers it never gave a chance to finish.
        barrierTimeoutMillis: integer(100, 600_000),
        switch: oneOf(switchModes),
        holdDeadlineMillis: integer(100, 600_000),
        stallLimitMillis: integer(1, 3_600_000),
        injectFaultAfter: optional(nonEmptyString),
        fault: {
          optional: true,
          fields: {
            kind: oneOf(faultKinds),
            phase: nonEmptyString,
            afterMillis: optional(integer(0, 3_600_000)),
            durationMillis: optional(integer(0, 600_000)),
          },
        },
      },
    },
    rehearsal: {
      fields: {
        rate: rateSpec,
        writerWeight: integer(0, 1_000_000),
        movedWriterWeight: integer(0, 1_000_000),
        readerWeight: integer(1, 1_000_000),
        movedWriterClients: integer(0, 1000),
        readerClients: integer(1, 1000),
        latencyLimitMillis: integer(1, 600_000),
        warmupMaxSeconds: integer(5, 3600),
        steadyWindowSeconds: integer(1, 60),
        steadyTolerance: ratio,
        probeSeconds: integer(1, 600),
        baselineSeconds: integer(1, 3600),
        baselineMinRateRatio: ratio,
        baselineMaxLagMillis: integer(0, 600_000),
        baselineMaxSkippedShare: ratio,
        settleSeconds: integer(1, 3600),
        settleMaxSeconds: integer(1, 3600),
        microBenchmarkMillis: integer(0, 600_000),
        andBack: boolean,
      },
    },
    recovery: {
      fields: {
        ratio,
        withinSeconds: integer(0, 3600),
        windowSeconds: integer(1, 60),
      },
    },
    thresholds: thresholdList,
    expectedFailures: reasonMap,
    expectedOutcome: oneOf(expectedOutcomes),
    compare: { fields: { tolerance: ratio } },
    external: { optional: true, fields: { proxy: nonEmptyString, old: nonEmptyString, new: nonEmptyString } },
    allowDestructive: boolean,
    allowPlaintextPassword: boolean,
    stateDir: nonEmptyString,
    connectTimeoutMillis: integer(100, 600_000),
    startupTimeoutSeconds: integer(1, 3600),
  },
};
