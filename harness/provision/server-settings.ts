import type { NodeRole, ServerSettings, ShardmoveConfig } from '../config/config-types.ts';
import { topologyLayout } from '../config/topology-layout.ts';

/**
 * PostgreSQL's defaults, except what the topology needs:
 * - the proxy opens one backend per client, plus the harness's own sessions;
 * - every proxy backend keeps one connection per partition it has called, so a backend
 *   cluster may see clients x its partition count (+ FDW, replication and the harness);
 * - backends run wal_level=logical so the `logical` strategy can publish and subscribe;
 * - passwords are stored as the topology's auth method wants (md5 by default, see TopologyConfig.auth).
 * Scenario settings (config.server) are applied on top.
 */
export function serverSettings(role: NodeRole, config: ShardmoveConfig): ServerSettings {
  const clients = config.load.clients;
  const auth = {
    password_encryption: config.topology.auth,
    ...connectionCpuSettings(config.topology.connectionCpuMillis),
  };
  const harnessSessions = 20;
  if (role === 'proxy') {
    return { max_connections: Math.max(100, clients * 2 + harnessSessions), ...auth, ...config.server.proxy };
  }
  const layout = topologyLayout(config.topology);
  const hosted = Math.max(layout.byBackend.old.length, layout.byBackend.new.length);
  return {
    max_connections: Math.max(100, (clients + harnessSessions) * hosted + harnessSessions),
    wal_level: 'logical',
    ...auth,
    ...config.server.backend,
  };
}

/**
 * Makes every new backend burn `millis` of CPU before it serves, to rehearse a host where a
 * connection is expensive: PL/Perl's interpreter is loaded into each session
 * (session_preload_libraries) and its on_init code spins on the process's CPU clock, so
 * the cost is CPU, as a slow fork is, and grows under contention as it does there.
 */
export function connectionCpuSettings(millis: number): ServerSettings {
  if (millis <= 0) return {};
  const seconds = (millis / 1000).toFixed(4);
  return {
    session_preload_libraries: 'plperl',
    'plperl.on_init': `use Time::HiRes qw(clock_gettime CLOCK_PROCESS_CPUTIME_ID); my $e = clock_gettime(CLOCK_PROCESS_CPUTIME_ID) + ${seconds}; 1 while clock_gettime(CLOCK_PROCESS_CPUTIME_ID) < $e;`,
  };
}

/** Renders settings as postgresql.conf lines, quoting strings as the file format wants. */
export function settingsAsConfLines(settings: ServerSettings): string[] {
  return Object.entries(settings).map(([key, value]) =>
    // postgresql.conf's strings take backslash escapes: a backslash is doubled, a quote too.
    typeof value === 'string'
      ? `${key} = '${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
      : `${key} = ${String(value)}`,
  );
}
