import { type Kysely, sql, type Transaction } from 'kysely';
import type { Schema } from '../db/schema.js';
import { SITEMAP_SIZE } from './sitemaps.js';

type Q = Kysely<Schema> | Transaction<Schema>;

/** The article sitemap file an id belongs to: file N holds ids (N−1)·1000+1 … N·1000. */
export const sitemapPageOf = (articleId: number) => Math.floor((articleId - 1) / SITEMAP_SIZE) + 1;

/**
 * Keeps `sitemap_pages` in step with one article write, in its transaction:
 * the count of public articles in its file (`delta`: +1 published, −1 taken
 * down, 0 changed) and the file's lastmod.
 */
export async function recordSitemapChange(q: Q, articleId: number, delta: number, at: string): Promise<void> {
  await q
    .insertInto('sitemap_pages')
    .values({ page: sitemapPageOf(articleId), articles: Math.max(0, delta), lastmod: at })
    .onConflict((oc) =>
      oc.column('page').doUpdateSet((eb) => ({ articles: eb('sitemap_pages.articles', '+', delta), lastmod: at })),
    )
    .execute();
}

/** Recounts every file at once, after a bulk load that did not track each article. */
export async function rebuildSitemapPages(q: Q): Promise<void> {
  await q.deleteFrom('sitemap_pages').execute();
  await sql`INSERT INTO sitemap_pages (page, articles, lastmod)
    SELECT (id - 1) / ${sql.lit(SITEMAP_SIZE)} + 1, count(*), max(updated_at) FROM articles WHERE status = 'published'
    GROUP BY (id - 1) / ${sql.lit(SITEMAP_SIZE)} + 1`.execute(q);
}
