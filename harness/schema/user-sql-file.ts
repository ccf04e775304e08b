import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type pg from 'pg';
import type { ShardmoveConfig } from '../config/config-types.ts';
import { errorLine, renderUserSql, type UserSqlPlaceholder, userStatements } from '../config/user-sql.ts';
import { errorMessage } from '../errors.ts';

/** A SQL file of the user's that failed: which file, which line, which SQLSTATE. */
export class UserSqlFailed extends Error {
  constructor(
    readonly what: string,
    readonly file: string,
    readonly line: number,
    readonly sqlstate: string | undefined,
    message: string,
  ) {
    super(`${what} failed at ${file}:${line}${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''}: ${message}`);
  }
}

export type UserSqlVars = Partial<Record<UserSqlPlaceholder, string | number>>;

/**
 * Runs one of the user's SQL files, statement by statement; a failure names its file, line
 * and SQLSTATE. Returns how many statements ran.
 */
export async function runUserSqlFile(
  client: pg.Client,
  file: string,
  vars: UserSqlVars,
  what: string,
): Promise<number> {
  const statements = userStatements(
    renderUserSql(await readFile(file, 'utf8'), vars as Record<UserSqlPlaceholder, string>),
  );
  for (const statement of statements) {
    try {
      await client.query(statement.text);
    } catch (error) {
      const e = error as { code?: string; position?: string };
      throw new UserSqlFailed(
        what,
        basename(file),
        errorLine(statement, e.position),
        e.code,
        errorMessage(error),
      );
    }
  }
  return statements.length;
}

/** The placeholders a schema file has where it runs: its own shard's number and database. */
export type SchemaPlaceholder = 'partition' | 'shard' | 'database' | 'cluster' | 'role' | 'proxy_database';

export function schemaVars(
  config: ShardmoveConfig,
  shard: number,
  database: string,
): Record<SchemaPlaceholder, string | number> {
  return {
    shard,
    partition: config.topology.movePartition,
    database,
    cluster: config.topology.clusterName,
    role: config.topology.role,
    proxy_database: config.topology.proxyDatabase,
  };
}
