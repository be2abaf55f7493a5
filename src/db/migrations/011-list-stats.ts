import { type Kysely, sql } from 'kysely';

/**
 * Lists whose cost does not grow with the archive.
 *
 * `list_stats` keeps, per list (the whole site, each section, tag and author), how many published articles
 * it holds and when one last changed: archive pages number their pages, the API and sitemaps date their
 * lists, without counting or grouping the archive (content/list-stats.ts keeps it in step with every
 * article write, in the write's transaction).
 *
 * `article_tags` carries each article's listing state and time, so that a tag's archive is read newest
 * first from one index, as sections and authors are from theirs; before, a tag page joined every article
 * of the tag and sorted them (1.6 s for a tag of 80,000 articles).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('list_stats')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'integer', (c) => c.notNull())
    .addColumn('articles', 'integer', (c) => c.notNull())
    .addColumn('lastmod', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('list_stats_pk', ['kind', 'subject_id'])
    .execute();
  await db.schema
    .alterTable('article_tags')
    .addColumn('listed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('article_tags').addColumn('published_at', 'text').execute();
  await db.schema
    .createIndex('article_tags_listed')
    .on('article_tags')
    .columns(['tag_id', 'listed', 'published_at', 'article_id'])
    .execute();
  // The same statements as content/list-stats.ts rebuildListStats(), as of this migration.
  await sql`UPDATE article_tags SET
      listed = (SELECT CASE WHEN a.status = 'published' THEN 1 ELSE 0 END FROM articles a WHERE a.id = article_tags.article_id),
      published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_tags.article_id)`.execute(db);
  await sql`INSERT INTO list_stats (kind, subject_id, articles, lastmod)
    SELECT 'all', 0, count(*), max(updated_at) FROM articles WHERE status = 'published' HAVING count(*) > 0`.execute(
    db,
  );
  for (const [kind, column] of [
    ['category', 'category_id'],
    ['author', 'author_id'],
  ] as const) {
    await sql`INSERT INTO list_stats (kind, subject_id, articles, lastmod)
      SELECT ${kind}, ${sql.ref(column)}, count(*), max(updated_at) FROM articles WHERE status = 'published'
      GROUP BY ${sql.ref(column)}`.execute(db);
  }
  await sql`INSERT INTO list_stats (kind, subject_id, articles, lastmod)
    SELECT 'tag', t.tag_id, count(*), max(a.updated_at) FROM article_tags t JOIN articles a ON a.id = t.article_id
    WHERE a.status = 'published' GROUP BY t.tag_id`.execute(db);
}
