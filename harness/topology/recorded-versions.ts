import type { NodeRole } from '../config/config-types.ts';
import { withClient } from '../db/connect.ts';
import type { NodeAccess } from '../db/node-access.ts';

export interface NodeVersions {
  postgres: string;
  /** Installed PL/Proxy extension version, where the node has it (the proxy). */
  plproxy: string | undefined;
}

/** PostgreSQL and PL/Proxy versions per node, as the servers report them. */
export async function recordVersions(
  nodes: Readonly<Record<NodeRole, NodeAccess>>,
  connectTimeoutMillis: number,
  proxyDatabase: string,
): Promise<Record<NodeRole, NodeVersions>> {
  const out = {} as Record<NodeRole, NodeVersions>;
  for (const role of Object.keys(nodes) as NodeRole[]) {
    const node = nodes[role];
    out[role] = await withClient(
      node.endpoint,
      // PL/Proxy is installed in the proxy's database, not in the one the endpoint names.
      role === 'proxy' ? proxyDatabase : node.endpoint.database,
      { connectTimeoutMillis },
      async (c) => {
        const { rows } = await c.query<{ postgres: string; plproxy: string | null }>(
          `select current_setting('server_version') postgres,
                  (select extversion from pg_extension where extname = 'plproxy') plproxy`,
        );
        return { postgres: rows[0]?.postgres ?? 'unknown', plproxy: rows[0]?.plproxy ?? undefined };
      },
      role,
    );
  }
  return out;
}
