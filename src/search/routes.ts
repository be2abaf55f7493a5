import type { FastifyInstance, FastifyRequest } from 'fastify';
import { paths } from '../content/urls.js';
import { badRequest } from '../shared/errors.js';
import { parseIntParam, parsePage, parseSlugParam } from '../shared/query.js';
import { originOf } from '../web/origin.js';
import type { PageCache } from '../web/page-cache.js';
import { layout } from '../web/theme/layout.js';
import { searchPage } from '../web/theme/pages.js';
import type { SiteContext } from '../web/theme/site-context.js';
import type { SearchRequest, SearchService } from './service.js';

export interface SearchRouteDeps {
  search: SearchService;
  site: SiteContext;
  pageCache: PageCache;
}

type SearchQuery = {
  q?: string;
  page?: string;
  limit?: string;
  category?: string;
  author?: string;
  tag?: string;
  from?: string;
  to?: string;
};

/** Raw queries longer than this are refused outright; up to it, the service reads the first 300 characters. */
const MAX_RAW_QUERY = 20_000;

function readRequest(query: SearchQuery, defaultLimit: number): SearchRequest {
  const q = query.q ?? '';
  if (typeof q !== 'string') throw badRequest('q', 'نص البحث غير صالح.', 'q must be a single string.');
  if (q.length > MAX_RAW_QUERY) throw badRequest('q', 'نص البحث أطول من المسموح.', 'q is too long.');
  const str = (name: 'from' | 'to', v: unknown) => {
    if (v !== undefined && typeof v !== 'string')
      throw badRequest(name, 'قيمة غير صالحة.', `${name} must be a single value.`);
    return v as string | undefined;
  };
  return {
    q,
    page: parsePage(query.page),
    limit: parseIntParam('limit', query.limit, defaultLimit, 1, 50),
    category: parseSlugParam('category', query.category),
    author: parseSlugParam('author', query.author),
    tag: parseSlugParam('tag', query.tag),
    from: str('from', query.from),
    to: str('to', query.to),
  };
}

/** The search page (works without JavaScript) and GET /api/v1/search. */
export async function searchRoutes(app: FastifyInstance, { search, site, pageCache }: SearchRouteDeps): Promise<void> {
  app.get('/api/v1/search', async (req: FastifyRequest<{ Querystring: SearchQuery }>, reply) => {
    const request = readRequest(req.query, 10);
    const { ctx, categories } = await site.get();
    const result = await search.search(request, categories);
    const origin = originOf(req, ctx);
    reply.header('cache-control', 'public, max-age=30');
    return {
      results: result.items.map((i) => ({
        slug: i.article.slug,
        title: i.article.title,
        url: origin + paths.article(i.article.slug),
        snippet: i.snippet,
        published_at: i.article.published_at,
        score: Math.round(i.score * 1e6) / 1e6,
      })),
      total: result.total,
      page: result.page,
      pages: result.pages,
      ...(result.suggestion ? { suggestion: result.suggestion } : {}),
      ...(result.notices.length ? { notices: result.notices } : {}),
    };
  });

  app.get('/search', (req: FastifyRequest<{ Querystring: SearchQuery }>, reply) =>
    pageCache.serve(req, reply, async () => {
      const { ctx, categories } = await site.get();
      const request = readRequest(req.query, ctx.site.postsPerPage);
      const result = await search.search(request, categories);
      return {
        html: layout(
          ctx,
          {
            title: request.q.trim() ? ctx.t.searchTitle(request.q.slice(0, 100)) : ctx.t.search,
            query: request.q.slice(0, 300),
            canonical: `${originOf(req, ctx)}/search`,
            noindex: true,
          },
          searchPage(ctx, {
            q: request.q.slice(0, 300),
            items: result.items,
            total: result.total,
            page: result.page,
            pages: result.pages,
            notices: result.notices,
            suggestion: result.suggestion,
            filters: { category: request.category, from: request.from, to: request.to },
            categories: categories.map((c) => ({ slug: c.slug, name: c.name })),
          }),
        ),
      };
    }),
  );
}
