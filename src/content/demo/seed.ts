import { rebuildListStats } from '../list-stats.js';
import { rebuildSitemapPages } from '../../feeds/sitemap-pages.js';
import { emit } from '../../events/outbox.js';
import { CacheKeys } from '../../delivery/cache-keys.js';
import type { Database } from '../../db/database.js';
import { storeImage } from '../../media/images.js';
import type { MediaStore } from '../../media/storage/index.js';
import { paragraphsToHtml, sanitizeBody } from '../sanitize.js';
import { deleteArticleRows, ensureAuthor, ensureCategory, saveArticle, savePage } from '../service.js';
import type { Kysely, Transaction } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { DEMO_AUTHOR, DEMO_CATEGORIES, DEMO_PAGES, SEED_ARTICLE, WELCOME_ARTICLE } from './demo-content.js';
import { demoCoverImage } from './cover-image.js';

const SEEDED_KEY = 'demo_seeded_at';

/**
 * Fills an empty database with the demo magazine, once. A database that has
 * any article, or that was seeded before (even if its articles were deleted
 * since), is left alone. Returns whether it seeded.
 */
export async function seedDemoContent(database: Database, media: MediaStore | string): Promise<boolean> {
  const { db } = database;
  const [marker, anyArticle] = await Promise.all([
    db.selectFrom('settings').select('key').where('key', '=', SEEDED_KEY).executeTakeFirst(),
    db.selectFrom('articles').select('id').limit(1).executeTakeFirst(),
  ]);
  if (marker || anyArticle) return false;

  const cover = await demoCoverImage();
  await db.transaction().execute(async (trx) => {
    const image = await storeImage(trx, media, cover, {
      name: 'china-russia-summit.jpg',
      alt: 'رسم تجريدي بألوان علمي الصين وروسيا',
      caption: 'الصين وروسيا: علاقات تتعمق في وجه الضغوط الغربية',
    });
    const authorId = await ensureAuthor(trx, DEMO_AUTHOR);
    const categoryIds = new Map<string, number>();
    for (const [position, category] of DEMO_CATEGORIES.entries()) {
      categoryIds.set(category.slug, await ensureCategory(trx, { ...category, position }));
    }

    // The welcome note is older, so that the seed article leads on every list.
    const now = Date.now();
    await saveArticle(
      trx,
      {
        title: WELCOME_ARTICLE.title,
        bodyHtml: paragraphsToHtml(WELCOME_ARTICLE.body.join('\n\n')),
        status: 'published',
        publishedAt: new Date(now - 60 * 60 * 1000).toISOString(),
        authorId,
        categoryId: categoryIds.get(WELCOME_ARTICLE.category)!,
        tagNames: [...WELCOME_ARTICLE.tags],
      },
      { events: false },
    );
    await saveArticle(
      trx,
      {
        title: SEED_ARTICLE.title,
        bodyHtml: paragraphsToHtml(SEED_ARTICLE.body),
        status: 'published',
        publishedAt: new Date(now - 60 * 1000).toISOString(),
        authorId,
        categoryId: categoryIds.get(DEMO_CATEGORIES[0].slug)!,
        tagNames: [...SEED_ARTICLE.tags],
        featuredMediaId: image.id,
        featured: true,
        breaking: true,
      },
      { events: false },
    );
    await rebuildSitemapPages(trx);
    await rebuildListStats(trx);
    await emit(trx, { type: 'site.changed', keys: [CacheKeys.site], payload: { demo: true } });
    for (const page of DEMO_PAGES) await savePage(trx, { title: page.title, slug: page.slug, bodyHtml: page.body });
    await trx
      .insertInto('settings')
      .values({ key: SEEDED_KEY, value: JSON.stringify(new Date().toISOString()) })
      .execute();
  });
  return true;
}

/** What the demo put in a site, found still untouched (`untouchedDemo`). */
export interface UntouchedDemo {
  articleIds: number[];
  pageIds: number[];
  mediaIds: number[];
  authorId: number | undefined;
}

/**
 * The demo content, if it is all the site holds and nobody has touched it: seeded here, no article but the
 * demo's two (never edited: no revision, unchanged since created), no comment, no page but the demo's, no
 * image but the demo cover. Anything else means a newsroom works in this site: then undefined, and nothing
 * may be removed.
 */
export async function untouchedDemo(q: Kysely<Schema> | Transaction<Schema>): Promise<UntouchedDemo | undefined> {
  const marker = await q.selectFrom('settings').select('key').where('key', '=', SEEDED_KEY).executeTakeFirst();
  if (!marker) return undefined;
  const demoTitles = new Set<string>([SEED_ARTICLE.title, WELCOME_ARTICLE.title]);
  const articles = await q
    .selectFrom('articles')
    .select(['id', 'title', 'source_id', 'created_at', 'updated_at', 'author_id', 'featured_media_id'])
    .limit(3)
    .execute();
  if (
    articles.length > 2 ||
    articles.some((a) => !demoTitles.has(a.title) || a.source_id !== null || a.created_at !== a.updated_at)
  )
    return undefined;
  const [revision, comment, pages, media] = await Promise.all([
    q.selectFrom('article_revisions').select('id').limit(1).executeTakeFirst(),
    q.selectFrom('comments').select('id').limit(1).executeTakeFirst(),
    q
      .selectFrom('pages')
      .select(['id', 'slug', 'title', 'body_html'])
      .limit(DEMO_PAGES.length + 1)
      .execute(),
    q.selectFrom('media').select('id').limit(2).execute(),
  ]);
  if (revision || comment) return undefined;
  // A demo page counts as untouched only word for word (the newsroom may have put its own address in "contact").
  const untouched = (p: { slug: string; title: string; body_html: string }) =>
    DEMO_PAGES.some((d) => d.slug === p.slug && d.title === p.title && sanitizeBody(d.body) === p.body_html);
  if (!pages.every(untouched)) return undefined;
  const cover = articles.find((a) => a.featured_media_id !== null)?.featured_media_id;
  if (media.some((m) => m.id !== cover)) return undefined;
  const authors = new Set(articles.map((a) => a.author_id));
  return {
    articleIds: articles.map((a) => a.id),
    pageIds: pages.map((p) => p.id),
    mediaIds: media.map((m) => m.id),
    authorId: authors.size === 1 ? [...authors][0] : undefined,
  };
}

/**
 * Removes untouched demo content found by `untouchedDemo`, in the caller's transaction, its sections too
 * (but one a newsroom has put a section of its own under); returns the media files to delete once the
 * transaction has committed.
 */
export async function removeDemo(q: Transaction<Schema>, demo: UntouchedDemo): Promise<string[]> {
  for (const id of demo.articleIds) await deleteArticleRows(q, id);
  if (demo.pageIds.length) await q.deleteFrom('pages').where('id', 'in', demo.pageIds).execute();
  const files: string[] = [];
  if (demo.mediaIds.length) {
    const rows = await q.selectFrom('media').select(['path', 'variants']).where('id', 'in', demo.mediaIds).execute();
    for (const r of rows) files.push(r.path, ...(JSON.parse(r.variants) as { path: string }[]).map((v) => v.path));
    await q
      .updateTable('authors')
      .set({ avatar_media_id: null })
      .where('avatar_media_id', 'in', demo.mediaIds)
      .execute();
    await q.deleteFrom('media').where('id', 'in', demo.mediaIds).execute();
  }
  // The demo's author goes unless a person signs in under that profile.
  if (demo.authorId !== undefined) {
    const user = await q.selectFrom('users').select('id').where('author_id', '=', demo.authorId).executeTakeFirst();
    const writes = await q
      .selectFrom('articles')
      .select('id')
      .where('author_id', '=', demo.authorId)
      .executeTakeFirst();
    if (!user && !writes) await q.deleteFrom('authors').where('id', '=', demo.authorId).execute();
  }
  for (const section of DEMO_CATEGORIES) {
    // Only as the demo made it: a section the newsroom renamed or described is theirs.
    const row = await q
      .selectFrom('categories')
      .select('id')
      .where('slug', '=', section.slug)
      .where('name', '=', section.name)
      .where('description', '=', section.description)
      .executeTakeFirst();
    if (!row) continue;
    const [article, child] = await Promise.all([
      q.selectFrom('articles').select('id').where('category_id', '=', row.id).executeTakeFirst(),
      q.selectFrom('categories').select('id').where('parent_id', '=', row.id).executeTakeFirst(),
    ]);
    if (article || child) continue;
    await q.deleteFrom('categories').where('id', '=', row.id).execute();
  }
  const demoTags = [...new Set<string>([...SEED_ARTICLE.tags, ...WELCOME_ARTICLE.tags])];
  const tags = await q.selectFrom('tags').select('id').where('name', 'in', demoTags).execute();
  for (const tag of tags) {
    const used = await q
      .selectFrom('article_tags')
      .select('article_id')
      .where('tag_id', '=', tag.id)
      .executeTakeFirst();
    if (!used) await q.deleteFrom('tags').where('id', '=', tag.id).execute();
  }
  return files;
}
