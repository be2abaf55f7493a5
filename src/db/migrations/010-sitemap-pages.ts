import { type Kysely, sql } from 'kysely';

/**
 * Article sitemaps by id range: file N lists the public articles with ids
 * from (N−1)·1000+1 to N·1000, so reading one is an index range, whatever the
 * archive's size. `sitemap_pages` keeps, per file, how many public articles
 * it lists and when one last changed (its <lastmod> in the index), updated in
 * each article write's transaction; the index reads at most a few hundred
 * rows instead of grouping the whole archive.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sitemap_pages')
    .addColumn('page', 'integer', (c) => c.primaryKey())
    .addColumn('articles', 'integer', (c) => c.notNull())
    .addColumn('lastmod', 'text', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO sitemap_pages (page, articles, lastmod)
    SELECT (id - 1) / 1000 + 1, count(*), max(updated_at) FROM articles WHERE status = 'published'
    GROUP BY (id - 1) / 1000 + 1`.execute(db);
}
