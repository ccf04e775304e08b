import type { ShardmoveConfig } from '../config/config-types.ts';
import { withClient } from '../db/connect.ts';
import type { NodeAccess } from '../db/node-access.ts';
import { ShardmoveError } from '../errors.ts';

/**
 * Asks every partition, through the proxy's run-on-all `dy`, which database it is and which
 * shard number its connstring gave it, so a provisioned topology is known to route before
 * anything is loaded into it.
 */
export async function checkRouting(proxy: NodeAccess, config: ShardmoveConfig): Promise<void> {
  const db = config.topology.proxyDatabase;
  const rows = await withClient(
    { ...proxy.endpoint, database: db },
    db,
    config,
    async (c) => {
      const result = await c.query<{ app: string; db: string }>(
        `select * from dy($$select current_setting('application_name'), current_database()::text$$) as t(app text, db text)`,
      );
      return result.rows;
    },
    'proxy',
  );
  const wrong = rows.filter((r) => r.db !== `db${r.app}`);
  const seen = new Set(rows.map((r) => Number(r.app)));
  if (rows.length !== config.topology.partitions || seen.size !== rows.length || wrong.length > 0) {
    throw new ShardmoveError(
      `routing check failed: ${rows.length} partitions answered (expected ${config.topology.partitions})` +
        (wrong.length ? `; mismatched: ${wrong.map((r) => `p${r.app}->${r.db}`).join(', ')}` : ''),
    );
  }
}
