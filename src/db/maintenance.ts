import { sql } from 'kysely';
import type { Database } from './database.js';

/**
 * After a bulk load: PostgreSQL needs fresh statistics at once (autovacuum
 * would get there later) or it plans with row estimates of 1, and a vacuum so
 * that index scans skip visibility checks on fresh rows (a GIN count over the
 * search index went from 24 ms to 1.3 ms on the corpus). SQLite is left
 * without statistics on purpose: its default index heuristics suit our
 * ORDER BY … LIMIT reads, while the sqlite_stat1 figures for a few distinct
 * categories make it pick skip-scans that read far more rows.
 */
export async function afterBulkLoad(database: Database): Promise<void> {
  if (database.dialect === 'postgres') await sql`VACUUM ANALYZE`.execute(database.db);
}

/** After rows were inserted with explicit ids (a restore), PostgreSQL's id sequences must continue past them. */
export async function resetIdSequences(database: Database, tables: string[]): Promise<void> {
  if (database.dialect !== 'postgres') return;
  for (const table of tables) {
    await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), coalesce((SELECT max(id) FROM ${sql.table(table)}), 0) + 1, false)`.execute(
      database.db,
    );
  }
}

/**
 * A consistent copy of a SQLite database while it serves: `VACUUM INTO`
 * reads one snapshot (WAL readers never block writers) and writes a compact
 * file. For PostgreSQL the caller exports inside a repeatable-read transaction.
 */
export async function snapshotSqlite(database: Database, target: string): Promise<void> {
  if (database.dialect !== 'sqlite') throw new Error('snapshotSqlite is for SQLite');
  await sql`VACUUM INTO ${target}`.execute(database.db);
}
