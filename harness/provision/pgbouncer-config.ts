import type { TopologyConfig } from '../config/config-types.ts';
import { formatConninfo } from '../config/dsn.ts';
import { shardDatabase, topologyLayout } from '../config/topology-layout.ts';

/** Where pgbouncer listens inside a container (the pod's other ports are 5432-5434). */
export const poolerContainerPort = 6432;
/** The network alias the proxy reaches a container pooler by. */
export const poolerAlias = 'pooler';

export interface PgbouncerFiles {
  readonly authFile: string;
  readonly databasesFile: string;
  /** Daemon mode (local) needs both; a container runs in the foreground and logs to stderr. */
  readonly pidFile?: string;
  readonly logFile?: string;
}

/** One shard database as pgbouncer forwards it: the address as the pooler reaches the node. */
export interface PoolerDatabase {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Servers pgbouncer keeps open while the database has clients (a held switch fills the pool). */
  readonly minPoolSize?: number | undefined;
}

/**
 * The [pgbouncer] section; the [databases] section is a file of its own, included, because
 * the switch rewrites it. Transaction pooling: PL/Proxy runs each call as one statement in
 * autocommit, so a server connection is only held for the length of a call, and the
 * switch's drain waits for no more than the calls in flight.
 */
export function pgbouncerIni(options: {
  listenAddr: string;
  listenPort: number;
  adminUser: string;
  auth: TopologyConfig['auth'];
  files: PgbouncerFiles;
}): string {
  const { files } = options;
  const lines = [
    '; Written by shardmove.',
    '[pgbouncer]',
    `listen_addr = ${options.listenAddr}`,
    `listen_port = ${options.listenPort}`,
    // No unix socket (an empty value): two local runs would share /tmp, and nothing here
    // connects through one.
    'unix_socket_dir =',
    `auth_type = ${options.auth}`,
    `auth_file = ${files.authFile}`,
    `admin_users = ${options.adminUser}`,
    'pool_mode = transaction',
    // Every proxy backend holds a client connection per partition: 32 x max_connections.
    'max_client_conn = 20000',
    'default_pool_size = 10',
    'listen_backlog = 4096',
    // A PL/Proxy reload reconnects ~1000 clients at once: their logins are noise. Closings
    // stay logged, since a failed server login shows up only as one ("closing because").
    'log_connections = 0',
    'log_disconnections = 1',
    'ignore_startup_parameters = extra_float_digits',
    ...(files.pidFile ? [`pidfile = ${files.pidFile}`] : []),
    ...(files.logFile ? [`logfile = ${files.logFile}`] : []),
    `%include ${files.databasesFile}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function databasesIni(databases: readonly PoolerDatabase[]): string {
  const lines = databases.map(
    (d) =>
      `${d.name} = ${formatConninfo([
        ['host', d.host],
        ['port', d.port],
        ['dbname', d.name],
        ...(d.minPoolSize ? ([['min_pool_size', d.minPoolSize]] as const) : []),
      ])}`,
  );
  return `[databases]\n${lines.join('\n')}\n`;
}

/** Every shard database on the node the seed's layout puts it on. */
export function initialPoolerDatabases(
  topology: TopologyConfig,
  peers: Readonly<Record<'old' | 'new', { peerHost: string; peerPort: number }>>,
): PoolerDatabase[] {
  const layout = topologyLayout(topology);
  return Array.from({ length: layout.partitions }, (_, p) => {
    const node = peers[layout.backendOf(p)];
    return { name: shardDatabase(p), host: node.peerHost, port: node.peerPort };
  });
}
