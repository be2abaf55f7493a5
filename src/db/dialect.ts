import { type Kysely, PostgresAdapter, sql } from 'kysely';

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

/**
 * Wakes every follower of the outbox when the caller's transaction commits: PostgreSQL delivers NOTIFY at
 * commit, and never for a rolled-back transaction. SQLite has no such thing; its followers poll.
 */
export async function notifyOutbox(q: Kysely<any>): Promise<void> {
  if (dialectOf(q) === 'postgres') await sql`SELECT pg_notify('safir_events', '')`.execute(q);
}
