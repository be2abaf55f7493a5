import { PUBLIC, setCookie } from '../../accounts/http.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from 'typebox';
import { AnyQuery, FormBody, Id, PageNumber, PageQuery, SlugParams, Text } from '../schemas.js';
import { type ArticleProtection, carriesUnlockCookie, UNLOCK_MS } from '../../content/protection.js';
import { AppError } from '../../shared/errors.js';
import type { ContentRepository } from '../../content/repository.js';
import { isValidSlug } from '../../content/slug.js';
import type { ArticleFilter } from '../../content/types.js';
import { paths, withPage } from '../../content/urls.js';
import { notFound } from '../../shared/errors.js';
import type { ThemeAssets } from './assets.js';
import { layout, type PageMeta } from './layout.js';
import { type ArchiveSubject, archivePage, homePage, staticPage } from './pages.js';
import type { SafeHtml } from './html.js';
import { categoryWithDescendants, type SiteContext } from './site-context.js';
import type { ViewContext } from './view-context.js';
import type { ArticleRenderer, SiteWidgets } from './article-view.js';
import type { CommentService } from '../../comments/service.js';
import { breadcrumbs, homeStructuredData, jsonLdScript } from './structured-data.js';
import { cacheIdOf, type PageCache } from '../../delivery/page-cache.js';
import { CacheKeys, cardKeys } from '../../delivery/cache-keys.js';

export interface ThemeDeps {
  content: ContentRepository;
  site: SiteContext;
  assets: ThemeAssets;
  pageCache: PageCache;
  widgets: SiteWidgets;
  articles: ArticleRenderer;
  comments: CommentService;
  protection: ArticleProtection;
  /**
   * Where a request for `/` with another system's query addresses (WordPress's `/?p=11`) goes now: undefined
   * for none (the home page), null for an unknown one (404), else the new address (301).
   */
  queryAddress?: (query: Record<string, unknown>) => Promise<string | null | undefined>;
}

const HOME_LATEST = 6;
const HOME_SECTION_SIZE = 4;

/** Sends a page that is not cached: error pages. */
export function sendPage(
  reply: FastifyReply,
  ctx: ViewContext,
  meta: PageMeta,
  body: SafeHtml,
  status = 200,
): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(layout(ctx, meta, body));
}

/** The public reading site: home, articles, archives, static pages and the theme's assets. */
export async function themeRoutes(fastify: FastifyInstance, deps: ThemeDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { content, site, assets, pageCache, widgets, articles } = deps;

  // Feed readers and old browsers ask for this path whatever the page says.
  app.get('/favicon.ico', { ...PUBLIC, schema: { querystring: AnyQuery } }, (_req, reply) =>
    reply.redirect(assets.favicon, 301),
  );

  const assetSchema = { params: T.Object({ file: Text(200) }), querystring: AnyQuery };
  app.get('/assets/:file', { ...PUBLIC, schema: assetSchema }, async (req, reply) => {
    const asset = assets.files.get(`/assets/${req.params.file}`);
    if (!asset) throw notFound('Asset');
    const accept = String(req.headers['accept-encoding'] ?? '');
    reply
      .header('content-type', asset.type)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('vary', 'accept-encoding');
    if (asset.brotli && /\bbr\b/.test(accept)) return reply.header('content-encoding', 'br').send(asset.brotli);
    if (asset.gzip && /\bgzip\b/.test(accept)) return reply.header('content-encoding', 'gzip').send(asset.gzip);
    return reply.send(asset.body);
  });

  app.get('/', { ...PUBLIC, schema: { querystring: AnyQuery } }, async (request, reply) => {
    const moved = deps.queryAddress ? await deps.queryAddress(request.query as Record<string, unknown>) : undefined;
    if (moved === null) throw notFound('Page');
    if (moved) return reply.redirect(moved, 301);
    return pageCache.serve(request, reply, cacheIdOf(request), async () => {
      const { ctx, categories } = await site.get();
      const now = new Date().toISOString();
      const [lead, breaking, popular] = await Promise.all([
        content.lead(now),
        widgets.breaking(now),
        widgets.mostRead(ctx, now),
      ]);
      const exclude = lead ? [lead.id] : [];
      const latest = await content.listPublished({ excludeIds: exclude }, { limit: HOME_LATEST, offset: 0 }, now);
      const shown = [...exclude, ...latest.map((a) => a.id)];
      const perSection = await content.latestPerSection(
        ctx.nav.map((ref) => ({ key: ref.id, categoryIds: categoryWithDescendants(categories, ref.id) })),
        HOME_SECTION_SIZE,
        shown,
        now,
      );
      const sections = ctx.nav
        .map((ref) => ({ category: categories.find((c) => c.id === ref.id)!, articles: perSection.get(ref.id) ?? [] }))
        .filter((s) => s.articles.length);
      return {
        html: layout(
          ctx,
          {
            isHome: true,
            description: ctx.site.tagline,
            canonical: `${ctx.origin}/`,
            breaking,
            structuredData: jsonLdScript(homeStructuredData(ctx, ctx.origin)),
          },
          homePage(ctx, { lead, latest, popular, sections }),
        ),
        keys: [
          CacheKeys.site,
          CacheKeys.list.home,
          CacheKeys.list.breaking,
          CacheKeys.list.popular,
          ...[lead, ...breaking, ...popular, ...latest, ...sections.flatMap((s) => s.articles)].flatMap((a) =>
            a ? cardKeys(a) : [],
          ),
        ],
      };
    });
  });

  const articleSchema = {
    params: SlugParams,
    querystring: T.Object(
      {
        /** A page of comment threads, WordPress's name. */
        cpage: T.Optional(PageNumber),
        /** The comment being answered, for the form without JavaScript. */
        replytocom: T.Optional(Id),
        /** A comment awaiting moderation and the key that lets its writer see it. */
        c: T.Optional(Id),
        k: T.Optional(Text(100)),
      },
      { additionalProperties: Text(2000) },
    ),
  };
  app.get('/article/:slug', { ...PUBLIC, schema: articleSchema }, (req, reply) => {
    const { slug } = req.params;
    if (!isValidSlug(slug)) throw notFound('Article');
    const q = req.query;
    const commentPage = q.cpage;
    const replyTo = q.replytocom;
    // The writer of a comment awaiting moderation sees it through a signed link; nobody else can.
    const pendingId = q.c && q.k === deps.comments.ownerKey(q.c) ? q.c : undefined;
    // A page with their own pending comment, or a protected article they may have unlocked, is one reader's
    // own: never kept by this cache or a shared one.
    const cookies = req.headers.cookie;
    if (pendingId || carriesUnlockCookie(cookies))
      return articles
        .render(slug, { commentPage, replyTo, pendingId, cookies })
        .then((page) =>
          reply.header('cache-control', 'private, no-store').type('text/html; charset=utf-8').send(page.html),
        );
    return pageCache.serve(req, reply, cacheIdOf(req), () =>
      articles.render(slug, { commentPage, replyTo, pendingId }),
    );
  });

  // The password of a protected article: the right one sets a cookie for that article's path and goes back to
  // it; a wrong one shows the form again with the error (content/protection.ts).
  app.post(
    '/article/:slug/unlock',
    { ...PUBLIC, schema: { params: SlugParams, body: FormBody({ password: T.Optional(Text(2000)) }) } },
    async (req, reply) => {
      const { slug } = req.params;
      if (!isValidSlug(slug)) throw notFound('Article');
      const path = paths.article(slug);
      try {
        const unlocked = await deps.protection.unlock(slug, req.body.password ?? '', req.ip);
        setCookie(req, reply, unlocked.name, unlocked.value, UNLOCK_MS, { path });
        return reply.header('cache-control', 'no-store').redirect(path, 303);
      } catch (err) {
        if (!(err instanceof AppError) || err.status === 404 || err.status >= 500) throw err;
        const { ctx } = await site.get();
        const page = await articles.render(slug, {
          passwordError: ctx.site.lang === 'ar' ? err.messageAr : err.messageEn,
        });
        return reply
          .code(err.status)
          .header('cache-control', 'private, no-store')
          .type('text/html; charset=utf-8')
          .send(page.html);
      }
    },
  );

  const archiveSchema = { params: SlugParams, querystring: PageQuery };
  const archive = async (
    req: FastifyRequest<{ Params: { slug: string }; Querystring: { page?: number } }>,
    reply: FastifyReply,
    resolve: (
      slug: string,
      ctx: { categories: Awaited<ReturnType<SiteContext['get']>>['categories'] },
    ) => Promise<
      | {
          subject: ArchiveSubject;
          filter: ArticleFilter;
          basePath: string;
          title: string;
          description: string;
          section?: string;
          /** The list shown, and anything else of the page's subject. */
          keys: string[];
        }
      | undefined
    >,
  ) => {
    const page = req.query.page ?? 1;
    const { slug } = req.params;
    if (!isValidSlug(slug)) throw notFound();
    return pageCache.serve(req, reply, cacheIdOf(req), async () => {
      const { ctx, categories } = await site.get();
      const found = await resolve(slug, { categories });
      if (!found) throw notFound();
      const now = new Date().toISOString();
      const perPage = ctx.site.postsPerPage;
      const total = await content.countPublished(found.filter, now);
      const pages = Math.max(1, Math.ceil(total / perPage));
      if (page > pages) throw notFound('Page');
      const articles = await content.listPublished(found.filter, { limit: perPage, offset: (page - 1) * perPage }, now);
      const origin = ctx.origin;
      const html = layout(
        ctx,
        {
          title: page > 1 ? `${found.title} - ${ctx.t.pageOf(page, pages)}` : found.title,
          description: found.description,
          canonical: origin + withPage(found.basePath, page),
          section: found.section,
          prev: page > 1 ? origin + withPage(found.basePath, page - 1) : undefined,
          next: page < pages ? origin + withPage(found.basePath, page + 1) : undefined,
          feed: { title: found.title, path: found.basePath },
          structuredData: jsonLdScript([
            breadcrumbs(origin, [
              { name: ctx.site.title, path: '/' },
              { name: found.title, path: found.basePath },
            ]),
          ]),
        },
        archivePage(ctx, { subject: found.subject, basePath: found.basePath, articles, page, pages, total }),
      );
      return { html, keys: [CacheKeys.site, ...found.keys, ...articles.flatMap(cardKeys)] };
    });
  };

  app.get('/category/:slug', { ...PUBLIC, schema: archiveSchema }, (req, reply) =>
    archive(req, reply, async (slug, { categories }) => {
      const category = categories.find((c) => c.slug === slug);
      if (!category) return undefined;
      const root = topLevelOf(categories, category);
      return {
        subject: { kind: 'category', category },
        filter: { categoryIds: categoryWithDescendants(categories, category.id) },
        basePath: paths.category(category.slug),
        title: category.name,
        description: category.description,
        section: root.slug,
        keys: [CacheKeys.list.category(category.id)],
      };
    }),
  );

  app.get('/tag/:slug', { ...PUBLIC, schema: archiveSchema }, (req, reply) =>
    archive(req, reply, async (slug) => {
      const tag = await content.tagBySlug(slug);
      if (!tag) return undefined;
      return {
        subject: { kind: 'tag', tag },
        filter: { tagId: tag.id },
        basePath: paths.tag(tag.slug),
        title: tag.name,
        description: '',
        keys: [CacheKeys.list.tag(tag.id)],
      };
    }),
  );

  app.get('/author/:slug', { ...PUBLIC, schema: archiveSchema }, (req, reply) =>
    archive(req, reply, async (slug) => {
      const author = await content.authorBySlug(slug);
      if (!author) return undefined;
      return {
        subject: { kind: 'author', author },
        filter: { authorId: author.id },
        basePath: paths.author(author.slug),
        title: author.name,
        description: author.bio,
        keys: [
          CacheKeys.list.author(author.id),
          CacheKeys.author(author.id),
          ...(author.avatar ? [CacheKeys.media(author.avatar.id)] : []),
        ],
      };
    }),
  );

  app.get('/:slug', { ...PUBLIC, schema: { params: SlugParams, querystring: AnyQuery } }, (req, reply) => {
    const { slug } = req.params;
    return pageCache.serve(req, reply, cacheIdOf(req), async () => {
      if (!isValidSlug(slug)) throw notFound();
      const page = await content.pageBySlug(slug);
      if (!page) throw notFound();
      const { ctx } = await site.get();
      return {
        html: layout(ctx, { title: page.title, canonical: `${ctx.origin}${paths.page(page.slug)}` }, staticPage(page)),
        keys: [CacheKeys.site, CacheKeys.page(page.id)],
      };
    });
  });
}

function topLevelOf<T extends { id: number; parent_id: number | null }>(all: T[], c: T): T {
  let cur = c;
  for (let guard = 0; cur.parent_id !== null && guard < 20; guard++) {
    const parent = all.find((p) => p.id === cur.parent_id);
    if (!parent) break;
    cur = parent;
  }
  return cur;
}
