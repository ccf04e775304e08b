import type { ShardmoveConfig } from './config-types.ts';

/** The seed's system (../shared/seed/SPEC.md): 32 partitions, db23 moves old -> new. */
export const defaultConfig: ShardmoveConfig = {
  provider: 'auto',
  containers: { network: 'pod' },
  topology: {
    partitions: 32,
    oldPartitions: undefined,
    movePartition: 23,
    clusterName: 'rds_pg_cluster',
    proxyDatabase: 'proxy',
    role: 'digoal',
    connectionLifetimeSeconds: 1800,
    auth: 'md5',
  },
  server: { proxy: {}, backend: {} },
  seeding: {
    profile: 'default',
    data: 'faker',
    fakerSeed: 20150713,
    moved: undefined,
    others: undefined,
    parallelShards: 4,
    truncate: false,
  },
  load: { clients: 30 },
  migration: { strategy: 'seed', logs: 'migrate', barrierTimeoutMillis: 5000, injectFaultAfter: undefined },
  rehearsal: {
    baselineSeconds: 8,
    settleSeconds: 8,
    writerRate: 1500,
    movedWriterClients: 4,
    movedWriterRate: 200,
    readerClients: 4,
    readerRate: 200,
  },
  thresholds: { movedRecoveryRatio: 0.9, movedRecoverySeconds: 5, othersMinRatio: 0.9, windowSeconds: 3 },
  external: undefined,
  allowDestructive: false,
  stateDir: '.shardmove',
  connectTimeoutMillis: 10_000,
  startupTimeoutSeconds: 120,
};
