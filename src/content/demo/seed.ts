import { rebuildListStats } from '../list-stats.js';
import { rebuildSitemapPages } from '../../feeds/sitemap-pages.js';
import { emit } from '../../events/outbox.js';
import { CacheKeys } from '../../delivery/cache-keys.js';
import type { Database } from '../../db/database.js';
import { storeImage } from '../../media/images.js';
import type { MediaStore } from '../../media/storage/index.js';
import { paragraphsToHtml } from '../sanitize.js';
import { ensureAuthor, ensureCategory, saveArticle, savePage } from '../service.js';
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
