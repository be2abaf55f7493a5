import { sql } from 'kysely';
import type { Database } from './database.js';

/**
 * After a bulk load: PostgreSQL needs fresh statistics at once (autovacuum
 * would get there later) or it plans with row estimates of 1. SQLite is left
 * without statistics on purpose: its default index heuristics suit our
 * ORDER BY … LIMIT reads, while the sqlite_stat1 figures for a few distinct
 * categories make it pick skip-scans that read far more rows.
 */
export async function afterBulkLoad(database: Database): Promise<void> {
  if (database.dialect === 'postgres') await sql`ANALYZE`.execute(database.db);
}
