import type { DB } from '../../db/database.js';
import { trackMostRead } from '../../content/most-read.js';
import type { CommentService } from '../../comments/service.js';
import type { ContentRepository } from '../../content/repository.js';
import type { ArticleSummary } from '../../content/types.js';
import { paths } from '../../content/urls.js';
import { notFound } from '../../shared/errors.js';
import type { TtlCache } from '../../shared/ttl-cache.js';
import { type CommentFormState, commentsSection } from './comments.js';
import type { ArticleProtection } from '../../content/protection.js';
import { html } from './html.js';
import { layout } from './layout.js';
import { CacheKeys, cardKeys } from '../../delivery/cache-keys.js';
import { articlePage } from './pages.js';
import type { SiteContext } from './site-context.js';
import { articleStructuredData, jsonLdScript } from './structured-data.js';
import type { ViewContext } from './view-context.js';

const SIDEBAR_SIZE = 5;
const BREAKING_SIZE = 5;
const WEEK_MS = 7 * 24 * 3600 * 1000;

/** The breaking strip and most-read list, shared by every page for a few seconds. */
export class SiteWidgets {
  constructor(
    private readonly content: ContentRepository,
    private readonly cache: TtlCache<ArticleSummary[]>,
  ) {}

  breaking(now: string): Promise<ArticleSummary[]> {
    return this.cache.get('breaking', () => this.content.listBreaking(BREAKING_SIZE, now));
  }

  /** For the site job: records in the outbox when the most-read box would show other articles (most-read.ts). */
  trackMostRead(db: DB, ctx: ViewContext): Promise<boolean> {
    return trackMostRead(db, this.content, SIDEBAR_SIZE, ctx.fmt.day(new Date(Date.now() - WEEK_MS).toISOString()));
  }

  mostRead(ctx: ViewContext, now: string): Promise<ArticleSummary[]> {
    return this.cache.get('most-read', async () => {
      const since = ctx.fmt.day(new Date(Date.now() - WEEK_MS).toISOString());
      const popular = await this.content.mostRead(SIDEBAR_SIZE, since, now);
      // A new site has no reads yet: show the latest instead of an empty box.
      return popular.length ? popular : this.content.listPublished({}, { limit: SIDEBAR_SIZE, offset: 0 }, now);
    });
  }
}

/** What differs between readers of one article page: the comment page, a reply, their own pending comment, a form with errors. */
export interface ArticlePageOptions {
  commentPage?: number;
  replyTo?: number;
  pendingId?: number;
  form?: CommentFormState;
  errors?: Record<string, string>;
  /** The reader's cookies, for a protected article: its unlock cookie shows the text (content/protection.ts). */
  cookies?: string;
  /** A wrong password just given for this protected article. */
  passwordError?: string;
}

/** Renders an article page; used by the article route and by the comment form when it must show errors. */
export class ArticleRenderer {
  constructor(
    private readonly content: ContentRepository,
    private readonly site: SiteContext,
    private readonly widgets: SiteWidgets,
    private readonly comments: CommentService,
    private readonly protection: ArticleProtection,
  ) {}

  async render(
    slug: string,
    opts: ArticlePageOptions = {},
  ): Promise<{ articleId: number; html: string; keys: string[] }> {
    const { ctx } = await this.site.get();
    const now = new Date().toISOString();
    let article = await this.content.articleBySlug(slug, now);
    if (!article) throw notFound('Article');
    let locked: { error?: string } | undefined;
    if (article.protected) {
      const text = opts.cookies ? await this.content.protectedText(article.id) : undefined;
      if (text && this.protection.isUnlocked(opts.cookies, article.id, text.password_hash))
        article = {
          ...article,
          body_html: text.body_html,
          excerpt: text.excerpt,
          seo_description: text.seo_description,
        };
      else locked = { error: opts.passwordError };
    }
    const perPage = ctx.site.commentsPerPage;
    const [related, around, popular, breaking, threads, pending, replyTo] = await Promise.all([
      this.content.related(article, 3, now),
      this.content.neighbours(article, now),
      this.widgets.mostRead(ctx, now),
      this.widgets.breaking(now),
      // Most articles have no approved comments: their count says so without a query.
      article.comment_count
        ? this.comments.approvedThreads(article.id, ctx.site.commentOrder, opts.commentPage ?? 1, perPage)
        : { threads: [], pages: 1 },
      opts.pendingId ? this.comments.byId(opts.pendingId) : undefined,
      opts.replyTo ? this.comments.byId(opts.replyTo) : undefined,
    ]);
    const origin = ctx.origin;
    const canonical = `${origin}${paths.article(article.slug)}`;
    const open = this.comments.isOpen(
      { comments_open: article.comments_open ? 1 : 0, published_at: article.published_at },
      ctx.site,
    );
    const mine = pending && pending.article_id === article.id && pending.status === 'pending' ? pending : undefined;
    // A locked article shows neither its comments nor the form: both belong to readers of its text.
    const comments = locked
      ? html``
      : commentsSection(ctx, {
          articleSlug: article.slug,
          count: article.comment_count,
          threads: threads.threads,
          page: opts.commentPage ?? 1,
          pages: threads.pages,
          open,
          token: this.comments.formToken(article.id),
          depth: ctx.site.commentDepth,
          pending: mine ? { ...mine, replies: [] } : undefined,
          form: opts.form,
          errors: opts.errors,
          replyTo:
            replyTo && replyTo.article_id === article.id && replyTo.status === 'approved'
              ? { id: replyTo.id, name: replyTo.author_name }
              : undefined,
        });
    const shown = [...related, around.previous, around.next, ...popular, ...breaking];
    return {
      articleId: article.id,
      keys: [
        CacheKeys.site,
        CacheKeys.article(article.id),
        CacheKeys.comments(article.id),
        ...cardKeys(article),
        ...(article.author.avatar ? [CacheKeys.media(article.author.avatar.id)] : []),
        // Related articles come from its tags and section; the boxes beside it from their own lists.
        ...article.tags.map((t) => CacheKeys.list.tag(t.id)),
        CacheKeys.list.category(article.category.id),
        CacheKeys.list.breaking,
        CacheKeys.list.popular,
        ...shown.flatMap((a) => (a ? cardKeys(a) : [])),
      ],
      html: layout(
        ctx,
        {
          title: article.seo_title || article.title,
          description: article.seo_description || article.excerpt,
          canonical,
          section: article.category.slug,
          breaking,
          article: {
            image: article.image,
            published: article.published_at,
            modified: article.updated_at,
            section: article.category.name,
            tags: article.tags.map((t) => t.name),
          },
          structuredData: jsonLdScript(articleStructuredData(ctx, origin, article, canonical)),
          noindex: Boolean(opts.pendingId || opts.replyTo || opts.errors),
        },
        articlePage(ctx, {
          article,
          canonical,
          related,
          previous: around.previous,
          next: around.next,
          popular,
          comments,
          locked,
        }),
      ),
    };
  }
}
