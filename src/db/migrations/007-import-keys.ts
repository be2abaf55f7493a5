import type { Kysely } from 'kysely';

/** Keys of imported media and comments in their source (`wp:<id>`), so that running an import again updates rather than duplicates. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('media').addColumn('source_id', 'text').execute();
  await db.schema.createIndex('media_source').on('media').column('source_id').unique().execute();
  await db.schema.alterTable('comments').addColumn('source_id', 'text').execute();
  await db.schema.createIndex('comments_source').on('comments').column('source_id').unique().execute();
  await db.schema.alterTable('pages').addColumn('source_id', 'text').execute();
}
