import { isInstant } from '../shared/time.js';
import { writeTransaction } from '../db/transaction.js';
import type { Kysely } from 'kysely';
import { type Actor, allowedStatuses, can, canEditArticle } from '../accounts/roles.js';
import type { DB } from '../db/database.js';
import type { ArticleRow, ArticleStatus, RevisionRow, Schema } from '../db/schema.js';
import { AppError, badRequest, forbidden, notFound } from '../shared/errors.js';
import { type ArticleInput, deleteArticleRows, saveArticle, withArticleEvents } from './service.js';
import { sanitizeBody } from './sanitize.js';
import { articlePasswordHash } from './protection.js';

type Q = Kysely<Schema>;

/** What the editor submits. Times are ISO UTC (the HTTP layer converts the site's wall-clock time). */
export type DraftInput = Omit<
  ArticleInput,
  'status' | 'publishedAt' | 'authorId' | 'sourceId' | 'articleId' | 'passwordHash'
> & {
  /** Editors may credit someone else. */
  authorId?: number;
  /** Readers may comment (default: open). */
  commentsOpen?: boolean;
  /** A new password for the article (content/protection.ts); '' or null removes it, unset keeps it. */
  password?: string | null;
};

export interface SaveOptions {
  /** When to publish, for `schedule` (ISO UTC). */
  publishAt?: string;
  /** The `updated_at` the editor loaded; a newer one means someone else saved meanwhile. */
  expectedUpdatedAt?: string;
  autosave?: boolean;
}

export interface AdminArticleRow {
  id: number;
  title: string;
  slug: string;
  status: ArticleStatus;
  published_at: string | null;
  updated_at: string;
  author_id: number;
  author_name: string;
  category_name: string;
}

export interface AdminArticleFilter {
  status?: ArticleStatus;
  authorId?: number;
  categoryId?: number;
  /** Words of the title. */
  q?: string;
}

/** What the save asks for: keep as a draft, submit for review, schedule, publish, or take back to draft. */
export type EditorialAction = 'save' | 'submit' | 'schedule' | 'publish' | 'unpublish';

const LIMITS = { excerpt: 1000, seoTitle: 200, seoDescription: 400, tags: 30, body: 2_000_000 };

/**
 * The newsroom's write rules: who may do what to which article, the workflow
 * (draft → pending review → scheduled → published, and back), a revision for
 * every save, and the scheduler's exactly-once publishing. The admin's HTTP
 * handlers only translate forms into these calls.
 */
export class Editorial {
  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {}

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  async article(id: number): Promise<ArticleRow> {
    const row = await this.db.selectFrom('articles').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Article');
    return row;
  }

  async articleFor(actor: Actor, id: number): Promise<ArticleRow> {
    const row = await this.article(id);
    if (!canEditArticle(actor, row)) throw forbidden();
    return row;
  }

  /**
   * Creates (no `id`) or saves an article and applies the action. The status
   * that results must be one the actor's role may set; a scheduled time must
   * be in the future. Returns the article id.
   */
  async save(
    actor: Actor,
    id: number | undefined,
    input: DraftInput,
    action: EditorialAction,
    opts: SaveOptions = {},
  ): Promise<number> {
    const { publishAt, expectedUpdatedAt } = opts;
    const current = id === undefined ? undefined : await this.articleFor(actor, id);
    if (current && expectedUpdatedAt && current.updated_at !== expectedUpdatedAt) throw staleEdit();
    this.validate(input);
    const status = this.nextStatus(current?.status ?? 'draft', action);
    if (!allowedStatuses(actor).includes(status) || (action === 'unpublish' && !can(actor, 'publish_articles')))
      throw forbidden();

    let publishedAt = current?.published_at ?? null;
    if (status === 'scheduled') {
      // Only the one stored form of a time gets this far (shared/time.ts); anything else is a caller's bug, refused.
      if (!publishAt || !isInstant(publishAt))
        throw badRequest('publish_at', 'موعد النشر غير صالح.', 'The publishing time is not valid.');
      if (Date.parse(publishAt) <= this.now())
        throw badRequest('publish_at', 'اختر موعداً للنشر في المستقبل.', 'Choose a publishing time in the future.');
      publishedAt = publishAt;
    } else if (status === 'published' && (!publishedAt || current?.status !== 'published')) {
      publishedAt = this.iso();
    } else if (status === 'draft' || status === 'pending') {
      publishedAt = null;
    }
    if (status === 'published' || status === 'scheduled') await this.requireAltText(input);

    const authorId =
      input.authorId !== undefined && can(actor, 'edit_others_articles')
        ? input.authorId
        : (current?.author_id ?? actor.authorId);
    // Front-page flags are an editor's call; others keep what the article had.
    const flags = can(actor, 'edit_others_articles')
      ? { featured: input.featured, breaking: input.breaking }
      : { featured: Boolean(current?.featured), breaking: Boolean(current?.breaking) };

    // scrypt takes tens of milliseconds: hashed before the transaction, which would hold the write lock meanwhile.
    const passwordHash =
      input.password === undefined || opts.autosave ? undefined : await articlePasswordHash(input.password);
    return writeTransaction(this.db, async (trx) => {
      await this.requireReferences(trx, input, authorId);
      const savedId = await saveArticle(trx, {
        articleId: current?.id,
        title: input.title,
        slug: input.slug || undefined,
        excerpt: input.excerpt,
        bodyHtml: input.bodyHtml,
        status,
        publishedAt,
        authorId,
        categoryId: input.categoryId,
        tagNames: input.tagNames ?? [],
        featuredMediaId: input.featuredMediaId ?? null,
        ...flags,
        seoTitle: input.seoTitle,
        seoDescription: input.seoDescription,
        commentsOpen: input.commentsOpen,
        passwordHash,
      });
      await this.recordRevision(trx, savedId, actor.id, opts.autosave ? 'autosave' : action === 'save' ? '' : action);
      return savedId;
    });
  }

  private nextStatus(current: ArticleStatus, action: EditorialAction): ArticleStatus {
    switch (action) {
      case 'save':
        return current;
      case 'submit':
        return current === 'published' || current === 'scheduled' ? current : 'pending';
      case 'schedule':
        return 'scheduled';
      case 'publish':
        return 'published';
      case 'unpublish':
        return 'draft';
    }
  }

  private validate(input: DraftInput): void {
    if (!input.title.trim()) throw badRequest('title', 'العنوان مطلوب.', 'A title is required.');
    if ((input.excerpt ?? '').length > LIMITS.excerpt)
      throw badRequest(
        'excerpt',
        'المقتطف أطول من المسموح.',
        `The excerpt is longer than ${LIMITS.excerpt} characters.`,
      );
    if ((input.seoTitle ?? '').length > LIMITS.seoTitle)
      throw badRequest('seo_title', 'عنوان محركات البحث طويل جداً.', 'The SEO title is too long.');
    if ((input.seoDescription ?? '').length > LIMITS.seoDescription)
      throw badRequest('seo_description', 'وصف محركات البحث طويل جداً.', 'The SEO description is too long.');
    if ((input.tagNames ?? []).length > LIMITS.tags)
      throw badRequest('tags', 'عدد الوسوم كبير جداً.', `At most ${LIMITS.tags} tags.`);
    if (input.bodyHtml.length > LIMITS.body)
      throw badRequest('body', 'نص المقال أطول من المسموح.', 'The article body is too long.');
    if (!Number.isInteger(input.categoryId) || input.categoryId <= 0)
      throw badRequest('category', 'اختر قسماً.', 'Choose a section.');
  }

  private async requireReferences(q: Q, input: DraftInput, authorId: number): Promise<void> {
    const category = await q
      .selectFrom('categories')
      .select('id')
      .where('id', '=', input.categoryId)
      .executeTakeFirst();
    if (!category) throw badRequest('category', 'القسم غير موجود.', 'The section does not exist.');
    const author = await q.selectFrom('authors').select('id').where('id', '=', authorId).executeTakeFirst();
    if (!author) throw badRequest('author', 'الكاتب غير موجود.', 'The author does not exist.');
    if (input.featuredMediaId) {
      const media = await q.selectFrom('media').select('id').where('id', '=', input.featuredMediaId).executeTakeFirst();
      if (!media) throw badRequest('featured_media', 'الصورة غير موجودة.', 'The image does not exist.');
    }
  }

  /** Published images must describe themselves: the featured image's alt text and every body image's `alt`. */
  private async requireAltText(input: DraftInput): Promise<void> {
    if (input.featuredMediaId) {
      const media = await this.db
        .selectFrom('media')
        .select('alt')
        .where('id', '=', input.featuredMediaId)
        .executeTakeFirst();
      if (media && !media.alt.trim())
        throw badRequest(
          'featured_media',
          'أضف نصاً بديلاً للصورة البارزة قبل النشر (من مكتبة الوسائط).',
          'Add alt text to the featured image before publishing (in the media library).',
        );
    }
    for (const img of input.bodyHtml.match(/<img\b[^>]*>/gi) ?? []) {
      const alt = /\balt\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(img);
      if (!alt || !(alt[2] ?? alt[3] ?? alt[4] ?? '').trim())
        throw badRequest(
          'body',
          'لكل صورة في المقال نص بديل يصفها؛ أضفه قبل النشر.',
          'Every image in the article needs alt text before publishing.',
        );
    }
  }

  private async recordRevision(q: Q, articleId: number, userId: number | null, note: string): Promise<void> {
    const a = await q
      .selectFrom('articles')
      .select(['status', 'title', 'excerpt', 'body_html'])
      .where('id', '=', articleId)
      .executeTakeFirstOrThrow();
    await q
      .insertInto('article_revisions')
      .values({ article_id: articleId, user_id: userId, created_at: this.iso(), note, ...a })
      .execute();
  }

  /**
   * Bulk actions on the article list: every article is checked first (ownership, role, alt text for
   * publishing), so a refusal of one leaves all of them as they were; then each is applied.
   */
  async bulk(actor: Actor, ids: number[], action: 'publish' | 'unpublish' | 'delete'): Promise<void> {
    for (const id of ids) {
      const article = await this.articleFor(actor, id);
      if (action === 'delete') {
        if (article.status === 'published' && !can(actor, 'publish_articles')) throw forbidden();
        continue;
      }
      const status = this.nextStatus(article.status, action);
      if (!allowedStatuses(actor).includes(status) || (action === 'unpublish' && !can(actor, 'publish_articles')))
        throw forbidden();
      if (status === 'published')
        await this.requireAltText(this.inputOf(article, [], article.title, article.excerpt, article.body_html));
    }
    for (const id of ids) {
      if (action === 'delete') await this.remove(actor, id);
      else await this.transition(actor, id, action);
    }
  }

  /** Applies a workflow action to an article as it stands (bulk actions): its content is saved unchanged. */
  async transition(actor: Actor, id: number, action: EditorialAction): Promise<void> {
    const article = await this.articleFor(actor, id);
    const tags = await this.tagNames(id);
    await this.save(actor, id, this.inputOf(article, tags, article.title, article.excerpt, article.body_html), action);
  }

  private async tagNames(articleId: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('article_tags as at')
      .innerJoin('tags as t', 't.id', 'at.tag_id')
      .where('at.article_id', '=', articleId)
      .select('t.name')
      .execute();
    return rows.map((r) => r.name);
  }

  private inputOf(
    article: ArticleRow,
    tagNames: string[],
    title: string,
    excerpt: string,
    bodyHtml: string,
  ): DraftInput {
    return {
      title,
      excerpt,
      bodyHtml,
      slug: article.slug,
      categoryId: article.category_id,
      tagNames,
      featuredMediaId: article.featured_media_id,
      featured: Boolean(article.featured),
      breaking: Boolean(article.breaking),
      seoTitle: article.seo_title,
      seoDescription: article.seo_description,
    };
  }

  /**
   * The editor's periodic save. A new article becomes a draft; a draft or a
   * pending article is saved in place; a scheduled or published one is left
   * as it is and the text is kept as an autosave revision only, so that
   * half-finished edits never reach readers.
   */
  async autosave(
    actor: Actor,
    id: number | undefined,
    input: DraftInput,
    expectedUpdatedAt?: string,
  ): Promise<ArticleRow> {
    if (id === undefined) return this.article(await this.save(actor, undefined, input, 'save', { autosave: true }));
    const current = await this.articleFor(actor, id);
    if (current.status === 'draft' || current.status === 'pending') {
      await this.save(actor, id, input, 'save', { autosave: true, expectedUpdatedAt });
      return this.article(id);
    }
    this.validate(input);
    await this.db
      .insertInto('article_revisions')
      .values({
        article_id: id,
        user_id: actor.id,
        created_at: this.iso(),
        note: 'autosave',
        status: current.status,
        title: input.title.trim(),
        excerpt: input.excerpt ?? '',
        body_html: sanitizeBody(input.bodyHtml),
      })
      .execute();
    return current;
  }

  /** The admin's article list: editors see everything; others their own work and what is published. */
  async list(
    actor: Actor,
    filter: AdminArticleFilter,
    page: { limit: number; offset: number },
  ): Promise<{ rows: AdminArticleRow[]; total: number }> {
    let q = this.db
      .selectFrom('articles as a')
      .innerJoin('authors as au', 'au.id', 'a.author_id')
      .innerJoin('categories as c', 'c.id', 'a.category_id');
    if (!can(actor, 'edit_others_articles'))
      q = q.where((eb) => eb.or([eb('a.author_id', '=', actor.authorId), eb('a.status', '=', 'published')]));
    if (filter.status) q = q.where('a.status', '=', filter.status);
    if (filter.authorId) q = q.where('a.author_id', '=', filter.authorId);
    if (filter.categoryId) q = q.where('a.category_id', '=', filter.categoryId);
    for (const word of (filter.q ?? '').split(/\s+/).filter(Boolean).slice(0, 8))
      q = q.where('a.title', 'like', `%${word.replace(/[%_\\]/g, '')}%`);
    const [rows, total] = await Promise.all([
      q
        .select([
          'a.id',
          'a.title',
          'a.slug',
          'a.status',
          'a.published_at',
          'a.updated_at',
          'a.author_id',
          'au.name as author_name',
          'c.name as category_name',
        ])
        .orderBy('a.updated_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  }

  revisions(articleId: number): Promise<(RevisionRow & { user_name: string | null })[]> {
    return this.db
      .selectFrom('article_revisions as r')
      .leftJoin('users as u', 'u.id', 'r.user_id')
      .selectAll('r')
      .select('u.name as user_name')
      .where('r.article_id', '=', articleId)
      .orderBy('r.id', 'desc')
      .execute();
  }

  async revision(articleId: number, revisionId: number): Promise<RevisionRow> {
    const row = await this.db
      .selectFrom('article_revisions')
      .selectAll()
      .where('article_id', '=', articleId)
      .where('id', '=', revisionId)
      .executeTakeFirst();
    if (!row) throw notFound('Revision');
    return row;
  }

  /** Brings back a revision's title, excerpt and body as a new save (itself a revision); the status stays. */
  async restore(actor: Actor, articleId: number, revisionId: number): Promise<void> {
    const article = await this.articleFor(actor, articleId);
    const rev = await this.revision(articleId, revisionId);
    const tags = await this.tagNames(articleId);
    await this.save(actor, articleId, this.inputOf(article, tags, rev.title, rev.excerpt, rev.body_html), 'save');
  }

  async remove(actor: Actor, articleId: number): Promise<void> {
    const article = await this.articleFor(actor, articleId);
    if (article.status === 'published' && !can(actor, 'publish_articles')) throw forbidden();
    await this.db.transaction().execute(async (trx) => {
      await withArticleEvents(trx, articleId, async () => {
        await deleteArticleRows(trx, articleId);
        return articleId;
      });
    });
  }

  /**
   * Publishes every scheduled article whose time has come. Each one is claimed
   * by a conditional UPDATE (`status = 'scheduled'` → `published`), so when
   * several processes run this at once, exactly one of them publishes a given
   * article and records its revision. Returns the ids this call published.
   */
  async publishDue(): Promise<number[]> {
    const now = this.iso();
    const due = await this.db
      .selectFrom('articles')
      .select('id')
      .where('status', '=', 'scheduled')
      .where('published_at', '<=', now)
      .orderBy('published_at')
      .limit(100)
      .execute();
    const published: number[] = [];
    for (const { id } of due) {
      const won = await this.db.transaction().execute(async (trx) => {
        let claimed = false;
        await withArticleEvents(trx, id, async () => {
          const r = await trx
            .updateTable('articles')
            .set({ status: 'published', updated_at: now })
            .where('id', '=', id)
            .where('status', '=', 'scheduled')
            .executeTakeFirst();
          claimed = Number(r.numUpdatedRows) === 1;
          return id;
        });
        if (claimed) await this.recordRevision(trx, id, null, 'scheduled-publish');
        return claimed;
      });
      if (won) published.push(id);
    }
    return published;
  }
}

export const staleEdit = () =>
  new AppError(
    'STALE_EDIT',
    409,
    'عدّل شخص آخر هذا المقال بعد أن فتحته. انسخ تغييراتك وأعد تحميل الصفحة.',
    'Someone else changed this article after you opened it. Copy your changes and reload.',
  );
