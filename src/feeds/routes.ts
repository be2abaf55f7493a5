import { lookup } from '../shared/lookup.js';
import { PUBLIC } from '../accounts/http.js';
import { Type as T } from 'typebox';
import { AnyQuery, SlugParam, Text } from '../web/schemas.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ContentRepository } from '../content/repository.js';
import { isValidSlug } from '../content/slug.js';
import type { ArticleFilter, ArticleSummary } from '../content/types.js';
import { paths } from '../content/urls.js';
import { notFound } from '../shared/errors.js';
import { cacheIdOf, type PageCache } from '../delivery/page-cache.js';
import { CacheKeys, cardKeys } from '../delivery/cache-keys.js';
import { categoryWithDescendants, type SiteContext } from '../web/theme/site-context.js';
import { atom, type Feed, type FeedItem, FEED_TYPES, jsonFeed, rss } from './formats.js';
import { DiscoveryRepository } from './repository.js';
import type { MediaStore } from '../media/storage/index.js';
import { newsSitemap, SITEMAP_SIZE, sitemapIndex, urlSet } from './sitemaps.js';

export interface FeedDeps {
  db: ConstructorParameters<typeof DiscoveryRepository>[0];
  content: ContentRepository;
  site: SiteContext;
  pageCache: PageCache;
  media: MediaStore;
}

const FEED_SIZE = 20;
type Format = keyof typeof FEED_TYPES;
const FORMATS: Record<string, Format> = { '': 'rss', atom: 'atom', json: 'json' };
const XML = 'application/xml; charset=utf-8';

/** Feeds (RSS, Atom, JSON Feed) for the site and each section, tag and author; sitemaps; robots.txt. */
export async function feedRoutes(app: FastifyInstance, deps: FeedDeps): Promise<void> {
  const { content, site, pageCache } = deps;
  const discovery = new DiscoveryRepository(deps.db);
  const sizes = new Map<string, number>();
  const fileSize = async (path: string) => {
    let size = sizes.get(path);
    if (size === undefined) {
      size = (await deps.media.size(path).catch(() => undefined)) ?? 0;
      sizes.set(path, size);
    }
    return size;
  };

  async function items(origin: string, articles: ArticleSummary[], fullText: boolean): Promise<FeedItem[]> {
    const ids = articles.map((a) => a.id);
    const [tags, bodies] = await Promise.all([
      content.tagsOf(ids),
      fullText ? discovery.bodies(ids) : new Map<number, string>(),
    ]);
    return Promise.all(
      articles.map(async (a) => {
        const url = `${origin}${paths.article(a.slug)}`;
        const picture = a.image ? (a.image.variants.at(-1) ?? a.image) : undefined;
        return {
          id: url,
          url,
          title: a.title,
          summary: a.excerpt,
          contentHtml: bodies
            .get(a.id)
            ?.replace(/(src|href|srcset)="\/(?!\/)/g, `$1="${origin}/`)
            .replace(/, \/media\//g, `, ${origin}/media/`),
          published: a.published_at,
          updated: a.updated_at,
          author: { name: a.author.name, url: `${origin}${paths.author(a.author.slug)}` },
          categories: [a.category.name, ...(tags.get(a.id) ?? []).map((t) => t.name)],
          image: picture
            ? {
                url: `${origin}${paths.media(picture.path)}`,
                type: picture.path.endsWith('.webp')
                  ? 'image/webp'
                  : a.image!.path.endsWith('.png')
                    ? 'image/png'
                    : 'image/jpeg',
                length: await fileSize(picture.path),
                width: picture.width,
                height: picture.height,
              }
            : undefined,
        };
      }),
    );
  }

  async function sendFeed(
    req: FastifyRequest,
    reply: FastifyReply,
    format: Format | undefined,
    describe: () => Promise<{ title: string; description: string; path: string; filter: ArticleFilter; list: string }>,
  ) {
    if (!format) throw notFound('Feed');
    return pageCache.serve(req, reply, cacheIdOf(req), async () => {
      const { ctx } = await site.get();
      const origin = ctx.origin;
      const d = await describe();
      const articles = await content.listPublished(d.filter, { limit: FEED_SIZE, offset: 0 });
      const self = paths.feeds(d.path);
      const feed: Feed = {
        title: d.title,
        description: d.description,
        homeUrl: `${origin}${d.path}`,
        selfUrl: { rss: origin + self.rss, atom: origin + self.atom, json: origin + self.json },
        language: ctx.site.lang,
        updated: articles.reduce(
          (max, a) => (a.updated_at > max ? a.updated_at : max),
          articles[0]?.updated_at ?? '1970-01-01T00:00:00.000Z',
        ),
        generator: 'Safir',
        items: await items(origin, articles, ctx.site.feedFullText),
      };
      const body = format === 'rss' ? rss(feed) : format === 'atom' ? atom(feed) : jsonFeed(feed);
      // Items carry their full text (a setting), so a feed shows each article's page as well as its card.
      const keys = [CacheKeys.site, d.list, ...articles.flatMap((a) => [CacheKeys.article(a.id), ...cardKeys(a)])];
      return { html: body, contentType: FEED_TYPES[format], lastModified: feed.updated, keys };
    });
  }

  const siteFeed = async (req: FastifyRequest<{ Params: { format?: string } }>, reply: FastifyReply) =>
    sendFeed(req, reply, lookup(FORMATS, req.params.format ?? ''), async () => {
      const { ctx } = await site.get();
      return { title: ctx.site.title, description: ctx.site.tagline, path: '/', filter: {}, list: CacheKeys.list.all };
    });
  const FormatParams = T.Object({ format: Text(20) });
  app.get('/feed', { ...PUBLIC, schema: { querystring: AnyQuery } }, siteFeed);
  app.get('/feed/:format', { ...PUBLIC, schema: { params: FormatParams, querystring: AnyQuery } }, siteFeed);

  type ArchiveReq = FastifyRequest<{ Params: { slug: string; format?: string } }>;
  const archiveFeed = (kind: 'category' | 'tag' | 'author') => async (req: ArchiveReq, reply: FastifyReply) => {
    const { slug } = req.params;
    return sendFeed(req, reply, lookup(FORMATS, req.params.format ?? ''), async () => {
      if (!isValidSlug(slug)) throw notFound('Feed');
      const { ctx, categories } = await site.get();
      if (kind === 'category') {
        const c = categories.find((x) => x.slug === slug);
        if (!c) throw notFound('Section');
        return {
          title: `${c.name} - ${ctx.site.title}`,
          description: c.description || ctx.site.tagline,
          path: paths.category(c.slug),
          filter: { categoryIds: categoryWithDescendants(categories, c.id) },
          list: CacheKeys.list.category(c.id),
        };
      }
      if (kind === 'tag') {
        const t = await content.tagBySlug(slug);
        if (!t) throw notFound('Tag');
        return {
          title: `${t.name} - ${ctx.site.title}`,
          description: ctx.site.tagline,
          path: paths.tag(t.slug),
          filter: { tagId: t.id },
          list: CacheKeys.list.tag(t.id),
        };
      }
      const a = await content.authorBySlug(slug);
      if (!a) throw notFound('Author');
      return {
        title: `${a.name} - ${ctx.site.title}`,
        description: a.bio || ctx.site.tagline,
        path: paths.author(a.slug),
        filter: { authorId: a.id },
        list: CacheKeys.list.author(a.id),
      };
    });
  };
  const archiveParams = T.Object({ slug: SlugParam, format: T.Optional(Text(20)) });
  for (const kind of ['category', 'tag', 'author'] as const) {
    const schema = { params: archiveParams, querystring: AnyQuery };
    app.get(`/${kind}/:slug/feed`, { ...PUBLIC, schema }, archiveFeed(kind));
    app.get(`/${kind}/:slug/feed/:format`, { ...PUBLIC, schema }, archiveFeed(kind));
  }

  // ---- sitemaps ----
  const xml = (
    req: FastifyRequest,
    reply: FastifyReply,
    render: (origin: string, now: string) => Promise<{ body: string; lastModified?: string; keys?: string[] }>,
  ) =>
    pageCache.serve(req, reply, cacheIdOf(req), async () => {
      const { ctx } = await site.get();
      const { body, lastModified, keys = [] } = await render(ctx.origin, new Date().toISOString());
      return { html: body, contentType: XML, lastModified, keys: [CacheKeys.site, CacheKeys.list.all, ...keys] };
    });

  app.get('/sitemap.xml', { ...PUBLIC, schema: { querystring: AnyQuery } }, (req, reply) =>
    xml(req, reply, async (origin, now) => {
      const pages = await discovery.articlePages();
      const entries = [
        ...pages.map(({ page, lastmod }) => ({ loc: `${origin}/sitemaps/articles-${page}.xml`, lastmod })),
        ...['sections', 'tags', 'authors', 'pages', 'news'].map((name) => ({ loc: `${origin}/sitemaps/${name}.xml` })),
      ];
      return {
        body: sitemapIndex(entries),
        lastModified: pages.reduce((m, p) => (p.lastmod > m ? p.lastmod : m), '1970-01-01T00:00:00.000Z'),
        // Every change of a public article moves some file's lastmod; a new file appears with a new id range.
        keys: [CacheKeys.sitemapIndex],
      };
    }),
  );

  const sitemapSchema = { params: T.Object({ name: Text(100) }), querystring: AnyQuery };
  app.get(
    '/sitemaps/:name',
    { ...PUBLIC, schema: sitemapSchema },
    (req: FastifyRequest<{ Params: { name: string } }>, reply) => {
      const { name } = req.params;
      return xml(req, reply, async (origin, now) => {
        const page = /^articles-([1-9]\d{0,5})\.xml$/.exec(name);
        if (page) {
          const rows = await discovery.articlesPage(Number(page[1]), SITEMAP_SIZE, now);
          if (!rows.length) throw notFound('Sitemap');
          return {
            body: urlSet(
              rows.map((r) => ({
                loc: `${origin}${paths.article(r.slug)}`,
                lastmod: r.updated_at,
                images: r.image_path ? [`${origin}${paths.media(r.image_path)}`] : [],
              })),
            ),
            keys: [CacheKeys.sitemap(Number(page[1]))],
          };
        }
        const archive = { 'sections.xml': 'category', 'tags.xml': 'tag', 'authors.xml': 'author' } as const;
        const kind = lookup<'category' | 'tag' | 'author'>(archive, name);
        if (kind) {
          const rows = await discovery.archives(kind);
          const path = kind === 'category' ? paths.category : kind === 'tag' ? paths.tag : paths.author;
          return {
            body: urlSet(rows.map((r) => ({ loc: `${origin}${path(r.slug)}`, lastmod: String(r.updated_at) }))),
          };
        }
        if (name === 'pages.xml') {
          const rows = await discovery.pages(now);
          return {
            body: urlSet([
              { loc: `${origin}/` },
              ...rows.map((r) => ({ loc: `${origin}${paths.page(r.slug)}`, lastmod: r.updated_at })),
            ]),
          };
        }
        if (name === 'news.xml') {
          const { ctx } = await site.get();
          const rows = await discovery.recent(new Date(Date.parse(now) - 48 * 3600_000).toISOString(), now, 1000);
          return {
            body: newsSitemap(
              { name: ctx.site.title, language: ctx.site.lang },
              rows.map((r) => ({
                loc: `${origin}${paths.article(r.slug)}`,
                title: r.title,
                published: r.published_at!,
              })),
            ),
          };
        }
        throw notFound('Sitemap');
      });
    },
  );

  app.get('/robots.txt', { ...PUBLIC, schema: { querystring: AnyQuery } }, async (req, reply) => {
    const { ctx } = await site.get();
    const lines = [
      'User-agent: *',
      'Disallow: /admin',
      'Disallow: /api/v1/admin',
      'Disallow: /search',
      ctx.site.robotsTxt.trim(),
      '',
      `Sitemap: ${ctx.origin}/sitemap.xml`,
    ];
    return reply
      .type('text/plain; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(`${lines.filter((l, i) => l || i === lines.length - 2).join('\n')}\n`);
  });
}
