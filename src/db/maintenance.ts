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
