import { PUBLIC } from '../accounts/http.js';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from 'typebox';
import { badRequest, notFound } from '../shared/errors.js';
import { AnyQuery, jsonResponses, PageNumber, SlugParams, Text } from '../web/schemas.js';
import { categoryWithDescendants, type SiteContext } from '../web/theme/site-context.js';
import type { ContentRepository } from './repository.js';
import type { ArticleFilter, ArticleSummary, TagRef } from './types.js';
import { paths } from './urls.js';

export interface ContentApiDeps {
  content: ContentRepository;
  site: SiteContext;
}

const MAX_LIMIT = 100;

/** A position in a list: the time and id of the last article shown, opaque to clients. */
function writeCursor(a: ArticleSummary): string {
  return Buffer.from(`${a.published_at}|${a.id}`).toString('base64url');
}

function readCursor(cursor: string): { at: string; id: number } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!at || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/.test(at) || !/^[1-9]\d{0,9}$/.test(id ?? ''))
    throw badRequest(
      'cursor',
      'مؤشر الصفحة غير صالح؛ استعمل next_cursor كما وصل.',
      'The cursor is not valid; pass next_cursor as received.',
    );
  return { at, id: Number(id) };
}

const ArticleQuery = T.Object(
  {
    page: T.Optional(PageNumber),
    /** Where the previous page ended (its next_cursor): the way to walk a whole list, at any depth. */
    cursor: T.Optional(T.String({ pattern: '^[A-Za-z0-9_-]{1,120}$' })),
    limit: T.Optional(T.Integer({ minimum: 1, maximum: MAX_LIMIT })),
    category: T.Optional(Text(200)),
    tag: T.Optional(Text(200)),
    author: T.Optional(Text(200)),
  },
  { additionalProperties: Text(2000) },
);
const Link = T.Object({ name: T.String(), slug: T.String(), url: T.String() });
const ArticleJson = T.Object({
  id: T.Integer(),
  slug: T.String(),
  title: T.String(),
  excerpt: T.String(),
  protected: T.Boolean(),
  url: T.String(),
  published_at: T.Union([T.String(), T.Null()]),
  updated_at: T.String(),
  author: Link,
  category: Link,
  tags: T.Array(T.Object({ name: T.String(), slug: T.String() })),
});
const ArticleList = T.Object({
  articles: T.Array(ArticleJson),
  /** The page number asked for; null when walking by cursor. */
  page: T.Union([T.Integer(), T.Null()]),
  pages: T.Integer(),
  total: T.Integer(),
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: T.Union([T.String(), T.Null()]),
});
const ArticleWithHtml = T.Intersect([ArticleJson, T.Object({ html: T.String() })]);
const CategoryList = T.Object({
  categories: T.Array(
    T.Object({
      id: T.Integer(),
      name: T.String(),
      slug: T.String(),
      description: T.String(),
      parent: T.Union([T.String(), T.Null()]),
      url: T.String(),
      count: T.Integer(),
    }),
  ),
});
const AuthorJson = T.Object({
  name: T.String(),
  slug: T.String(),
  bio: T.String(),
  url: T.String(),
  articles_count: T.Integer(),
});

/** The read-only content API under /api/v1: snake_case JSON, absolute URLs, no unpublished content. */
export async function contentApiRoutes(fastify: FastifyInstance, { content, site }: ContentApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const articleJson = (origin: string, a: ArticleSummary, tags: TagRef[]) => ({
    id: a.id,
    slug: a.slug,
    title: a.title,
    excerpt: a.excerpt,
    /** Behind a password: excerpt and html are empty here; the text is only on its page, after the password. */
    protected: a.protected,
    url: origin + paths.article(a.slug),
    published_at: a.published_at,
    updated_at: a.updated_at,
    author: { name: a.author.name, slug: a.author.slug, url: origin + paths.author(a.author.slug) },
    category: { name: a.category.name, slug: a.category.slug, url: origin + paths.category(a.category.slug) },
    tags: tags.map((t) => ({ name: t.name, slug: t.slug })),
  });

  const listSchema = { querystring: ArticleQuery, response: jsonResponses(ArticleList) };
  app.get('/api/v1/articles', { ...PUBLIC, schema: listSchema }, async (req) => {
    const q = req.query;
    const page = q.page ?? 1;
    const limit = q.limit ?? 20;
    const { category: categorySlug, tag: tagSlug, author: authorSlug } = q;
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
    const after = q.cursor === undefined ? undefined : readCursor(q.cursor);
    const [total, articles] = await Promise.all([
      content.countPublished(filter, now),
      after
        ? content.listPublishedAfter(filter, after, limit, now)
        : content.listPublished(filter, { limit, offset: (page - 1) * limit }, now),
    ]);
    const tags = await content.tagsOf(articles.map((a) => a.id));
    const origin = ctx.origin;
    return {
      articles: articles.map((a) => articleJson(origin, a, tags.get(a.id) ?? [])),
      page: after ? null : page,
      pages: Math.max(1, Math.ceil(total / limit)),
      total,
      next_cursor: articles.length === limit ? writeCursor(articles[articles.length - 1]!) : null,
    };
  });

  const articleSchema = { params: SlugParams, querystring: AnyQuery, response: jsonResponses(ArticleWithHtml) };
  app.get('/api/v1/articles/:slug', { ...PUBLIC, schema: articleSchema }, async (req) => {
    const article = await content.articleBySlug(req.params.slug);
    if (!article) throw notFound('Article');
    const { ctx } = await site.get();
    return { ...articleJson(ctx.origin, article, article.tags), html: article.body_html };
  });

  const categoriesSchema = { querystring: AnyQuery, response: jsonResponses(CategoryList) };
  app.get('/api/v1/categories', { ...PUBLIC, schema: categoriesSchema }, async () => {
    const { ctx, categories } = await site.get();
    const counts = await content.categoryCounts();
    const origin = ctx.origin;
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

  const authorSchema = { params: SlugParams, querystring: AnyQuery, response: jsonResponses(AuthorJson) };
  app.get('/api/v1/authors/:slug', { ...PUBLIC, schema: authorSchema }, async (req) => {
    const author = await content.authorBySlug(req.params.slug);
    if (!author) throw notFound('Author');
    const { ctx } = await site.get();
    const total = await content.countPublished({ authorId: author.id });
    return {
      name: author.name,
      slug: author.slug,
      bio: author.bio,
      url: ctx.origin + paths.author(author.slug),
      articles_count: total,
    };
  });
}
