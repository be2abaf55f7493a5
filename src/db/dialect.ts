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
 * Holds a row for the rest of the caller's transaction, so that what the writer reads of it before changing
 * it stays true until it commits. PostgreSQL: `FOR UPDATE` (concurrent writers of the row wait, then read
 * what the first committed). SQLite: nothing to do, its write transactions already hold the whole file.
 */
export async function lockRowForWrite(q: Kysely<any>, table: 'articles', id: number): Promise<void> {
  if (dialectOf(q) === 'postgres') await sql`SELECT id FROM ${sql.table(table)} WHERE id = ${id} FOR UPDATE`.execute(q);
}

/**
 * Wakes every follower of the outbox when the caller's transaction commits: PostgreSQL delivers NOTIFY at
 * commit, and never for a rolled-back transaction. SQLite has no such thing; its followers poll.
 */
export async function notifyOutbox(q: Kysely<any>): Promise<void> {
  if (dialectOf(q) === 'postgres') await sql`SELECT pg_notify('safir_events', '')`.execute(q);
}
