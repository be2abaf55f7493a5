import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * Everything that differs between SQLite and PostgreSQL lives in this folder.
 * Code outside `src/db` asks these helpers instead of writing dialect SQL.
 */
export type Dialect = 'sqlite' | 'postgres';

/** Column type of an auto-incrementing integer key. */
export function idColumnType(dialect: Dialect): 'integer' | 'serial' {
  return dialect === 'postgres' ? 'serial' : 'integer';
}

/** Which dialect a Kysely instance (or transaction) speaks, for code that is handed only the query builder. */
export function dialectOf(q: Kysely<any>): Dialect {
  return q.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
