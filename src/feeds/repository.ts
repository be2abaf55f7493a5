import type { DB } from '../db/database.js';

/** Reads for feeds and sitemaps: light rows over published content only. */
export class DiscoveryRepository {
  constructor(private readonly db: DB) {}

  private published(now: string) {
    return this.db.selectFrom('articles as a').where('a.status', '=', 'published').where('a.published_at', '<=', now);
  }

  /** The bodies of these articles for full-text feeds; a protected article has none (content/protection.ts). */
  async bodies(ids: number[]): Promise<Map<number, string>> {
    if (!ids.length) return new Map();
    const rows = await this.db
      .selectFrom('articles')
      .select(['id', 'body_html'])
      .where('id', 'in', ids)
      .where('password_hash', 'is', null)
      .execute();
    return new Map(rows.map((r) => [r.id, r.body_html]));
  }

  /** The article sitemap files that list something, with their last change (kept by every article write). */
  articlePages(): Promise<{ page: number; lastmod: string }[]> {
    return this.db
      .selectFrom('sitemap_pages')
      .select(['page', 'lastmod'])
      .where('articles', '>', 0)
      .orderBy('page')
      .execute();
  }

  /**
   * The public articles of one sitemap file: an id range, read through the primary key. Status and time
   * are checked here, not in SQL: given them, a planner may walk the (status, published_at) index over the
   * whole archive instead of the 1,000 ids of the range.
   */
  async articlesPage(page: number, size: number, now: string) {
    const rows = await this.db
      .selectFrom('articles as a')
      .leftJoin('media as m', 'm.id', 'a.featured_media_id')
      .where('a.id', '>', (page - 1) * size)
      .where('a.id', '<=', page * size)
      .select(['a.id', 'a.slug', 'a.updated_at', 'a.status', 'a.published_at', 'm.path as image_path'])
      .orderBy('a.id')
      .execute();
    return rows.filter((r) => r.status === 'published' && r.published_at !== null && r.published_at <= now);
  }

  /** Articles published since `since`, newest first, for the Google News sitemap. */
  recent(since: string, now: string, limit: number) {
    return this.published(now)
      .where('a.published_at', '>=', since)
      .select(['a.slug', 'a.title', 'a.published_at'])
      .orderBy('a.published_at', 'desc')
      .limit(limit)
      .execute();
  }

  /**
   * Sections, tags and authors that have published articles, each with its latest change: read from
   * list_stats (kept by every article write), not grouped from the archive. At most a sitemap's 50,000.
   */
  async archives(kind: 'category' | 'tag' | 'author'): Promise<{ slug: string; updated_at: string }[]> {
    // The three tables share id and slug; one spelling keeps Kysely's types to those columns.
    const table = (kind === 'category' ? 'categories' : kind === 'tag' ? 'tags' : 'authors') as 'categories';
    return this.db
      .selectFrom('list_stats as s')
      .innerJoin(`${table} as x`, 'x.id', 's.subject_id')
      .where('s.kind', '=', kind)
      .where('s.articles', '>', 0)
      .select(['x.slug', 's.lastmod as updated_at'])
      .orderBy('x.slug')
      .limit(50_000)
      .execute();
  }

  pages(now: string) {
    return this.db
      .selectFrom('pages')
      .select(['slug', 'updated_at'])
      .where('status', '=', 'published')
      .where('published_at', '<=', now)
      .orderBy('id')
      .execute();
  }
}
