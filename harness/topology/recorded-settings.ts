import type { NodeRole } from '../config/config-types.ts';
import { withClient } from '../db/connect.ts';
import type { NodeAccess } from '../db/node-access.ts';
import { redactSetting } from './redact-settings.ts';

/**
 * Every setting not at PostgreSQL's built-in default, per node, as the server reports it,
 * so a report says exactly what it ran on (including what the provider itself set); what
 * can hold a password is redacted before it is kept anywhere.
 */
export async function recordSettings(
  nodes: Readonly<Record<NodeRole, NodeAccess>>,
  connectTimeoutMillis: number,
): Promise<Record<NodeRole, Record<string, string>>> {
  const out = {} as Record<NodeRole, Record<string, string>>;
  for (const role of Object.keys(nodes) as NodeRole[]) {
    const node = nodes[role];
    out[role] = await withClient(
      node.endpoint,
      node.endpoint.database,
      { connectTimeoutMillis },
      async (c) => {
        const { rows } = await c.query<{ name: string; value: string }>(
          `select name, current_setting(name) as value from pg_settings
          where source not in ('default', 'override', 'client', 'session')
            and name not in ('config_file', 'data_directory', 'hba_file', 'ident_file')
          order by name`,
        );
        return Object.fromEntries(rows.map((r) => [r.name, redactSetting(r.name, r.value)]));
      },
      role,
    );
  }
  return out;
}
