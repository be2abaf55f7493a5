import { recordListChange } from './list-stats.js';
import type { Kysely } from 'kysely';
import type { Schema, ArticleStatus } from '../db/schema.js';
import { badRequest, notFound } from '../shared/errors.js';
import { countWords, excerptOf, sanitizeBody, textOf } from './sanitize.js';
import { slugify, uniqueSlug } from './slug.js';
import { paths } from './urls.js';
import { reindexArticle } from '../search/indexer.js';
import { withResponsiveImages } from '../media/responsive.js';
import { emit } from '../events/outbox.js';
import { lockRowForWrite } from '../db/dialect.js';
import { articleChangeKeys, CacheKeys, hard } from '../delivery/cache-keys.js';
import { readArticleState } from './article-state.js';
import { recordSitemapChange } from '../feeds/sitemap-pages.js';

type Q = Kysely<Schema>;

export interface ArticleInput {
  title: string;
  slug?: string;
  excerpt?: string;
  bodyHtml: string;
  status: ArticleStatus;
  publishedAt?: string | null;
  authorId: number;
  categoryId: number;
  tagNames?: string[];
  featuredMediaId?: number | null;
  featured?: boolean;
  breaking?: boolean;
  seoTitle?: string;
  seoDescription?: string;
  sourceId?: string;
  /** Update this article rather than create one (the editor). */
  articleId?: number;
  /** Whether readers may comment; unset keeps what the article had (new ones are open). */
  commentsOpen?: boolean;
  /**
   * The article's password, hashed by the caller before its transaction (content/protection.ts): null
   * removes it; unset keeps what the article had (new ones have none).
   */
  passwordHash?: string | null;
}

/**
 * Runs an article write and records in the outbox, in the same transaction,
 * the cache keys it changed (read from the article's state before and after).
 * Bulk imports pass `events: false` and emit one `site.changed` when done.
 */
export async function withArticleEvents(
  q: Q,
  articleId: number | undefined,
  write: () => Promise<number>,
  opts: { events?: boolean } = {},
): Promise<number> {
  if (opts.events === false) return write();
  // The state before must be the one this write replaces: a concurrent writer of the same row (two schedulers
  // claiming one due article, on PostgreSQL) would otherwise count the same change twice.
  if (articleId !== undefined) await lockRowForWrite(q, 'articles', articleId);
  const before = articleId === undefined ? undefined : await readArticleState(q, articleId);
  const id = await write();
  const after = await readArticleState(q, id);
  const type =
    !before?.public && after?.public
      ? 'article.published'
      : before?.public && !after?.public
        ? 'article.unpublished'
        : 'article.updated';
  const at = new Date().toISOString();
  if (before?.public || after?.public)
    await recordSitemapChange(q, id, Number(Boolean(after?.public)) - Number(Boolean(before?.public)), at);
  await recordListChange(q, id, before, after, at);
  await emit(q, { type, keys: articleChangeKeys(before, after), payload: { id } });
  return id;
}

const MAX_TITLE = 300;

/**
 * Writes to content. Every function takes the query builder it should use, so
 * a caller can run several of them inside one transaction (`db.transaction()`).
 */
export async function ensureAuthor(q: Q, input: { name: string; slug?: string; bio?: string }): Promise<number> {
  const slug = input.slug || slugify(input.name);
  const existing = await q.selectFrom('authors').select('id').where('slug', '=', slug).executeTakeFirst();
  if (existing) return existing.id;
  const row = await q
    .insertInto('authors')
    .values({ slug, name: input.name, bio: input.bio ?? '', created_at: new Date().toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function ensureCategory(
  q: Q,
  input: { name: string; slug?: string; parentId?: number | null; description?: string; position?: number },
): Promise<number> {
  const slug = input.slug || slugify(input.name);
  const existing = await q.selectFrom('categories').select('id').where('slug', '=', slug).executeTakeFirst();
  if (existing) return existing.id;
  const row = await q
    .insertInto('categories')
    .values({
      slug,
      name: input.name,
      description: input.description ?? '',
      parent_id: input.parentId ?? null,
      position: input.position ?? 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await emit(q, { type: 'site.changed', keys: [CacheKeys.site] });
  return row.id;
}

export async function ensureTags(q: Q, names: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of new Set(names.map((n) => n.trim()).filter(Boolean))) {
    const slug = slugify(name);
    if (!slug) continue;
    const existing = await q.selectFrom('tags').select('id').where('slug', '=', slug).executeTakeFirst();
    if (existing) {
      ids.push(existing.id);
      continue;
    }
    const row = await q.insertInto('tags').values({ slug, name }).returning('id').executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  return ids;
}

/**
 * Creates an article, or updates the one with the same `sourceId` (imports
 * run again update rather than duplicate). Returns its id.
 */
export async function saveArticle(q: Q, input: ArticleInput, opts: { events?: boolean } = {}): Promise<number> {
  const title = input.title.trim();
  if (!title) throw badRequest('title', 'العنوان مطلوب.', 'A title is required.');
  if ([...title].length > MAX_TITLE)
    throw badRequest('title', 'العنوان أطول من المسموح.', `The title is longer than ${MAX_TITLE} characters.`);

  const body = await withResponsiveImages(q, sanitizeBody(input.bodyHtml));
  const text = textOf(body);
  const now = new Date().toISOString();
  const publishedAt = input.publishedAt ?? (input.status === 'published' ? now : null);
  const values = {
    title,
    excerpt: input.excerpt?.trim() || excerptOf(text),
    body_html: body,
    status: input.status,
    published_at: publishedAt,
    updated_at: now,
    author_id: input.authorId,
    category_id: input.categoryId,
    featured_media_id: input.featuredMediaId ?? null,
    featured: input.featured ? 1 : 0,
    breaking: input.breaking ? 1 : 0,
    seo_title: input.seoTitle ?? '',
    seo_description: input.seoDescription ?? '',
    word_count: countWords(text),
  };

  const existing = input.articleId
    ? await q.selectFrom('articles').select(['id', 'slug']).where('id', '=', input.articleId).executeTakeFirst()
    : input.sourceId
      ? await q.selectFrom('articles').select(['id', 'slug']).where('source_id', '=', input.sourceId).executeTakeFirst()
      : undefined;
  // Columns an input may leave as the article has them.
  const ifGiven = {
    ...(input.commentsOpen === undefined ? {} : { comments_open: input.commentsOpen ? 1 : 0 }),
    ...(input.passwordHash === undefined ? {} : { password_hash: input.passwordHash }),
  };

  return withArticleEvents(
    q,
    existing?.id,
    async () => {
      let id: number;
      if (existing) {
        await q
          .updateTable('articles')
          .set({ ...values, ...ifGiven })
          .where('id', '=', existing.id)
          .execute();
        id = existing.id;
        if (input.slug && input.slug !== existing.slug) await changeArticleSlug(q, id, input.slug);
      } else {
        const slug = await uniqueSlug(input.slug || slugify(title), async (s) =>
          Boolean(await q.selectFrom('articles').select('id').where('slug', '=', s).executeTakeFirst()),
        );
        const row = await q
          .insertInto('articles')
          .values({ ...values, ...ifGiven, slug, created_at: now, source_id: input.sourceId ?? null })
          .returning('id')
          .executeTakeFirstOrThrow();
        id = row.id;
      }
      if (input.tagNames) {
        const tagIds = await ensureTags(q, input.tagNames);
        await q.deleteFrom('article_tags').where('article_id', '=', id).execute();
        if (tagIds.length) {
          await q
            .insertInto('article_tags')
            .values(tagIds.map((tag_id) => ({ article_id: id, tag_id })))
            .execute();
        }
      }
      await reindexArticle(q, id);
      return id;
    },
    opts,
  );
}

/** Renames an article's slug and keeps its old URL working with a 301. Returns the slug actually used. */
export async function renameArticle(q: Q, articleId: number, wanted: string): Promise<string> {
  let slug = '';
  await withArticleEvents(q, articleId, async () => {
    slug = await changeArticleSlug(q, articleId, wanted);
    return articleId;
  });
  return slug;
}

/** The rename itself, for writes that track their own events (saveArticle). */
async function changeArticleSlug(q: Q, articleId: number, wanted: string): Promise<string> {
  const current = await q.selectFrom('articles').select('slug').where('id', '=', articleId).executeTakeFirstOrThrow();
  const base = slugify(wanted);
  if (!base) throw badRequest('slug', 'الرابط المختصر غير صالح.', 'The slug is not valid.');
  if (base === current.slug) return base;
  // Free means no other article has it: `x-2` (because `x` was taken) asked to be `x` again stays `x-2`.
  const slug = await uniqueSlug(base, async (s) =>
    Boolean(
      await q.selectFrom('articles').select('id').where('slug', '=', s).where('id', '!=', articleId).executeTakeFirst(),
    ),
  );
  if (slug === current.slug) return slug;
  await q.updateTable('articles').set({ slug }).where('id', '=', articleId).execute();
  await addRedirect(q, paths.article(current.slug), paths.article(slug));
  return slug;
}

/** Removes an article with what hangs on it (tags, read counts, revisions, its search entry); no events. */
export async function deleteArticleRows(q: Q, articleId: number): Promise<void> {
  await q.deleteFrom('article_tags').where('article_id', '=', articleId).execute();
  await q.deleteFrom('article_views').where('article_id', '=', articleId).execute();
  await q.deleteFrom('article_revisions').where('article_id', '=', articleId).execute();
  await q.deleteFrom('articles').where('id', '=', articleId).execute();
  await reindexArticle(q, articleId);
}

/**
 * Records a permanent redirect. Earlier redirects to `from` are pointed at
 * `to` directly, so that a page renamed twice never answers with a chain, and
 * a redirect away from the new path (a rename undone) is dropped.
 */
export async function addRedirect(q: Q, from: string, to: string): Promise<void> {
  await q.deleteFrom('redirects').where('from_path', '=', to).execute();
  await q.updateTable('redirects').set({ to_path: to }).where('to_path', '=', from).execute();
  await q
    .insertInto('redirects')
    .values({ from_path: from, to_path: to, status_code: 301 })
    .onConflict((oc) => oc.column('from_path').doUpdateSet({ to_path: to, status_code: 301 }))
    .execute();
}

/** First path segments the site itself uses; a static page cannot take them. */
const RESERVED_PAGE_SLUGS = new Set([
  'admin',
  'api',
  'article',
  'category',
  'tag',
  'author',
  'search',
  'media',
  'assets',
  'feed',
  'sitemap.xml',
  'robots.txt',
]);

export async function savePage(
  q: Q,
  input: { id?: number; title: string; slug?: string; bodyHtml: string; status?: ArticleStatus },
): Promise<number> {
  const now = new Date().toISOString();
  const values = {
    title: input.title,
    body_html: sanitizeBody(input.bodyHtml),
    status: input.status ?? 'published',
    published_at: now,
    updated_at: now,
  };
  const existing = input.id
    ? await q
        .selectFrom('pages')
        .select(['id', 'slug', 'title', 'status'])
        .where('id', '=', input.id)
        .executeTakeFirst()
    : await q
        .selectFrom('pages')
        .select(['id', 'slug', 'title', 'status'])
        .where('slug', '=', input.slug || slugify(input.title))
        .executeTakeFirst();
  if (input.id && !existing) throw notFound('Page');
  if (existing) {
    const wanted = input.slug ? slugify(input.slug) : existing.slug;
    if (!wanted || RESERVED_PAGE_SLUGS.has(wanted))
      throw badRequest('slug', 'الرابط المختصر غير صالح أو محجوز.', 'The slug is not valid or is reserved.');
    // Free means no other page has it (a page at `x-2` asked for `x`, taken, stays where it is).
    const slug =
      wanted === existing.slug
        ? wanted
        : await uniqueSlug(wanted, async (s) =>
            Boolean(
              await q
                .selectFrom('pages')
                .select('id')
                .where('slug', '=', s)
                .where('id', '!=', existing.id)
                .executeTakeFirst(),
            ),
          );
    await q
      .updateTable('pages')
      .set({ ...values, slug })
      .where('id', '=', existing.id)
      .execute();
    if (slug !== existing.slug) await addRedirect(q, paths.page(existing.slug), paths.page(slug));
    // The footer lists pages by title: a new title, address or status shows on every page; a body edit on its own.
    const moved = slug !== existing.slug || values.status !== existing.status;
    const page = moved ? hard(CacheKeys.page(existing.id)) : CacheKeys.page(existing.id);
    const footer = moved || values.title !== existing.title ? [CacheKeys.site] : [];
    await emit(q, { type: 'page.changed', keys: [page, ...footer], payload: { id: existing.id } });
    return existing.id;
  }
  const base = slugify(input.slug || input.title) || 'page';
  const slug = await uniqueSlug(RESERVED_PAGE_SLUGS.has(base) ? `${base}-page` : base, async (s) =>
    Boolean(await q.selectFrom('pages').select('id').where('slug', '=', s).executeTakeFirst()),
  );
  const row = await q
    .insertInto('pages')
    .values({ ...values, slug })
    .returning('id')
    .executeTakeFirstOrThrow();
  await emit(q, { type: 'page.changed', keys: [CacheKeys.page(row.id), CacheKeys.site], payload: { id: row.id } });
  return row.id;
}
