import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../shared/errors.js';
import { parseIntParam, parsePage, parseSlugParam } from '../shared/query.js';
import { originOf } from '../web/origin.js';
import { categoryWithDescendants, type SiteContext } from '../web/theme/site-context.js';
import type { ContentRepository } from './repository.js';
import type { ArticleFilter, ArticleSummary, TagRef } from './types.js';
import { paths } from './urls.js';

export interface ContentApiDeps {
  content: ContentRepository;
  site: SiteContext;
}

type ArticleQuery = { page?: string; limit?: string; category?: string; tag?: string; author?: string };

const MAX_LIMIT = 100;

/** The read-only content API under /api/v1: snake_case JSON, absolute URLs, no unpublished content. */
export async function contentApiRoutes(app: FastifyInstance, { content, site }: ContentApiDeps): Promise<void> {
  const articleJson = (origin: string, a: ArticleSummary, tags: TagRef[]) => ({
    id: a.id,
    slug: a.slug,
    title: a.title,
    excerpt: a.excerpt,
    url: origin + paths.article(a.slug),
    published_at: a.published_at,
    updated_at: a.updated_at,
    author: { name: a.author.name, slug: a.author.slug, url: origin + paths.author(a.author.slug) },
    category: { name: a.category.name, slug: a.category.slug, url: origin + paths.category(a.category.slug) },
    tags: tags.map((t) => ({ name: t.name, slug: t.slug })),
  });

  app.get('/api/v1/articles', async (req: FastifyRequest<{ Querystring: ArticleQuery }>) => {
    const q = req.query;
    const page = parsePage(q.page);
    const limit = parseIntParam('limit', q.limit, 20, 1, MAX_LIMIT);
    const categorySlug = parseSlugParam('category', q.category);
    const tagSlug = parseSlugParam('tag', q.tag);
    const authorSlug = parseSlugParam('author', q.author);
    const { ctx, categories } = await site.get();

    const filter: ArticleFilter = {};
    if (categorySlug !== undefined) {
      const category = categories.find((c) => c.slug === categorySlug);
      if (!category) throw notFound('Category');
      filter.categoryIds = categoryWithDescendants(categories, category.id);
    }
    if (tagSlug !== undefined) {
      const tag = await content.tagBySlug(tagSlug);
      if (!tag) throw notFound('Tag');
      filter.tagId = tag.id;
    }
    if (authorSlug !== undefined) {
      const author = await content.authorBySlug(authorSlug);
      if (!author) throw notFound('Author');
      filter.authorId = author.id;
    }

    const now = new Date().toISOString();
    const [total, articles] = await Promise.all([
      content.countPublished(filter, now),
      content.listPublished(filter, { limit, offset: (page - 1) * limit }, now),
    ]);
    const tags = await content.tagsOf(articles.map((a) => a.id));
    const origin = originOf(req, ctx);
    return {
      articles: articles.map((a) => articleJson(origin, a, tags.get(a.id) ?? [])),
      page,
      pages: Math.max(1, Math.ceil(total / limit)),
      total,
    };
  });

  app.get('/api/v1/articles/:slug', async (req: FastifyRequest<{ Params: { slug: string } }>) => {
    const slug = parseSlugParam('slug', req.params.slug);
    const article = slug === undefined ? undefined : await content.articleBySlug(slug);
    if (!article) throw notFound('Article');
    const { ctx } = await site.get();
    return { ...articleJson(originOf(req, ctx), article, article.tags), html: article.body_html };
  });

  app.get('/api/v1/categories', async (req) => {
    const { ctx, categories } = await site.get();
    const counts = await content.categoryCounts();
    const origin = originOf(req, ctx);
    const bySlug = new Map(categories.map((c) => [c.id, c.slug]));
    return {
      categories: categories.map((c) => ({
        id: c.id,
        name: c.name,
        slug: c.slug,
        description: c.description,
        parent: c.parent_id === null ? null : (bySlug.get(c.parent_id) ?? null),
        url: origin + paths.category(c.slug),
        count: categoryWithDescendants(categories, c.id).reduce((n, id) => n + (counts.get(id) ?? 0), 0),
      })),
    };
  });

  app.get('/api/v1/authors/:slug', async (req: FastifyRequest<{ Params: { slug: string } }>) => {
    const slug = parseSlugParam('slug', req.params.slug);
    const author = slug === undefined ? undefined : await content.authorBySlug(slug);
    if (!author) throw notFound('Author');
    const { ctx } = await site.get();
    const total = await content.countPublished({ authorId: author.id });
    return {
      name: author.name,
      slug: author.slug,
      bio: author.bio,
      url: originOf(req, ctx) + paths.author(author.slug),
      articles_count: total,
    };
  });
}
