import type { Kysely } from 'kysely';

/**
 * What an import brought in, item by item, so that running it again merges instead of overwriting: the
 * source's id, the row it became, a hash of the source as imported and a hash of the row as the import left
 * it (import/import-records.ts). A row deleted in Safir keeps its record: the next import knows not to bring
 * it back.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('import_records')
    .addColumn('source_id', 'text', (c) => c.primaryKey())
    .addColumn('target_id', 'bigint', (c) => c.notNull())
    .addColumn('source_hash', 'text', (c) => c.notNull())
    .addColumn('state_hash', 'text', (c) => c.notNull())
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .execute();
}
