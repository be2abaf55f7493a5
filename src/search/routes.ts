import { PUBLIC } from '../accounts/http.js';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type as T } from 'typebox';
import { jsonResponses, PageNumber, Text } from '../web/schemas.js';
import { paths } from '../content/urls.js';
import { cacheIdOf, type PageCache } from '../delivery/page-cache.js';
import { CacheKeys } from '../delivery/cache-keys.js';
import { layout } from '../web/theme/layout.js';
import { searchPage } from '../web/theme/pages.js';
import type { SiteContext } from '../web/theme/site-context.js';
import type { SearchRequest, SearchService } from './service.js';

export interface SearchRouteDeps {
  search: SearchService;
  site: SiteContext;
  pageCache: PageCache;
}

/** Raw queries longer than this are refused outright; up to it, the service reads the first 300 characters. */
const MAX_RAW_QUERY = 20_000;
const Day = T.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

const SearchQuery = T.Object(
  {
    q: T.Optional(Text(MAX_RAW_QUERY)),
    page: T.Optional(PageNumber),
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 50 })),
    category: T.Optional(Text(200)),
    author: T.Optional(Text(200)),
    tag: T.Optional(Text(200)),
    from: T.Optional(Day),
    to: T.Optional(Day),
  },
  { additionalProperties: Text(2000) },
);

const SearchResults = T.Object({
  results: T.Array(
    T.Object({
      slug: T.String(),
      title: T.String(),
      url: T.String(),
      snippet: T.String(),
      published_at: T.Union([T.String(), T.Null()]),
      score: T.Number(),
    }),
  ),
  total: T.Integer(),
  page: T.Integer(),
  pages: T.Integer(),
  suggestion: T.Optional(T.Object({ q: T.String(), total: T.Integer() })),
  notices: T.Optional(T.Array(T.String())),
});

const readRequest = (query: Static<typeof SearchQuery>, defaultLimit: number): SearchRequest => ({
  ...query,
  q: query.q ?? '',
  page: query.page ?? 1,
  limit: query.limit ?? defaultLimit,
});

/** The search page (works without JavaScript) and GET /api/v1/search. */
export async function searchRoutes(
  fastify: FastifyInstance,
  { search, site, pageCache }: SearchRouteDeps,
): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const apiSchema = { querystring: SearchQuery, response: jsonResponses(SearchResults) };
  app.get('/api/v1/search', { ...PUBLIC, schema: apiSchema }, async (req, reply) => {
    const request = readRequest(req.query, 10);
    const { ctx, categories } = await site.get();
    const result = await search.search(request, categories);
    const origin = ctx.origin;
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

  app.get('/search', { ...PUBLIC, schema: { querystring: SearchQuery } }, (req, reply) => {
    const query = req.query;
    return pageCache.serve(req, reply, cacheIdOf(req), async () => {
      const { ctx, categories } = await site.get();
      const request = readRequest(query, ctx.site.postsPerPage);
      const result = await search.search(request, categories);
      return {
        html: layout(
          ctx,
          {
            title: request.q.trim() ? ctx.t.searchTitle(request.q.slice(0, 100)) : ctx.t.search,
            query: request.q.slice(0, 300),
            canonical: `${ctx.origin}/search`,
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
        keys: [CacheKeys.site, CacheKeys.search],
      };
    });
  });
}
