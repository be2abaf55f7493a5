import type { FastifyInstance } from 'fastify';
import { Type as T } from 'typebox';
import { PUBLIC } from '../accounts/http.js';
import type { MediaVariant } from '../content/types.js';
import { paths } from '../content/urls.js';
import type { DB } from '../db/database.js';
import { notFound } from '../shared/errors.js';
import { AnyQuery, Text } from '../web/schemas.js';
import { originalUpload } from './wordpress-content.js';

/**
 * The addresses a WordPress site handed out that readers, search engines and other sites still use, each sent
 * to its new home with a 301 or answered with a clean 404:
 *
 * - query addresses (`/?p=11`, `/?page_id=`, `/?cat=`, `/?tag=`, `/?author=`, `/?attachment_id=`): the import
 *   records each item's as a redirect (`wordpressQueryKey`); `/?s=` is a search, `/?feed=` a feed;
 * - permalinks and page links: redirects recorded by the import (`import/wordpress.ts`);
 * - variants of any address (`…/amp`, `…/page/N`, `…/feed/rss2`): one step to the plain one
 *   (`wordpressPathVariant`), whose own redirect then applies;
 * - files under `/wp-content/uploads/`, sized copies (`photo-300x200.jpg`) included: to the imported image, or
 *   its nearest rendition (`wordpressUploadRoutes`).
 *
 * Date archives (`/2024/03/`) have no equivalent and answer 404.
 */
export const WORDPRESS_QUERY_KEYS = ['p', 'page_id', 'cat', 'tag', 'author', 'attachment_id'] as const;
type QueryKey = (typeof WORDPRESS_QUERY_KEYS)[number];

/** The redirect's key for a WordPress query address, as the import records it: `/?p=11`. */
export function wordpressQueryKey(key: QueryKey, value: string): string {
  return `/?${key}=${encodeURIComponent(value)}`;
}

/**
 * Where a request for the home page with WordPress's query parameters goes now: undefined when it has none
 * (the home page), null when it names something this site does not know (a 404), or the new address.
 */
export async function wordpressQueryTarget(
  query: Record<string, unknown>,
  redirectFor: (key: string) => Promise<string | undefined>,
): Promise<string | null | undefined> {
  const s = query.s;
  if (typeof s === 'string') return s.trim() ? `/search?q=${encodeURIComponent(s.trim())}` : '/search';
  for (const key of WORDPRESS_QUERY_KEYS) {
    const value = query[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !value || value.length > 200) return null;
    return (await redirectFor(wordpressQueryKey(key, value))) ?? null;
  }
  const feed = query.feed;
  if (typeof feed === 'string') return feed === 'atom' ? '/feed/atom' : '/feed';
  return undefined;
}

/** The plain address of a WordPress variant of `path`, one step (`/x/amp` → `/x`), or undefined. */
export function wordpressPathVariant(path: string): string | undefined {
  const amp = /^(\/.*?)\/amp$/.exec(path);
  if (amp) return amp[1];
  // Page N of an archive; the home page has no pages here (its lists end in archives), so `/page/N` is the home.
  const page = /^(\/.*?)?\/page\/(\d{1,6})$/.exec(path);
  if (page) return !page[1] || Number(page[2]) <= 1 ? page[1] || '/' : `${page[1]}?page=${page[2]}`;
  const feed = /^(\/.*?)?\/feed\/(rss2?|rdf)$/.exec(path);
  if (feed) return `${feed[1] ?? ''}/feed`;
  return undefined;
}

/**
 * The rendition of an image closest to a WordPress size asked for: the smallest at least as wide, else the
 * widest there is (the original included).
 */
export function nearestRendition(
  original: { path: string; width: number },
  variants: MediaVariant[],
  width: number | undefined,
): string {
  if (width === undefined) return original.path;
  const all = [...variants, original].sort((a, b) => a.width - b.width);
  return (all.find((v) => v.width >= width) ?? all[all.length - 1]!).path;
}

/** `/wp-content/uploads/…`: a 301 to the imported file (or its nearest rendition for a sized copy), else 404. */
export async function wordpressUploadRoutes(app: FastifyInstance, { db }: { db: DB }): Promise<void> {
  app.get(
    '/wp-content/uploads/*',
    { ...PUBLIC, schema: { params: T.Object({ '*': Text(1000) }), querystring: AnyQuery } },
    async (req, reply) => {
      const rel = (req.params as { '*': string })['*'];
      const sized = /-(\d{1,5})x(\d{1,5})\.[a-z0-9]+$/i.exec(rel);
      const media = await db
        .selectFrom('media')
        .select(['path', 'width', 'variants'])
        .where('source_id', '=', `wp:file:${originalUpload(rel)}`)
        .executeTakeFirst();
      if (!media) throw notFound('File');
      const target = nearestRendition(
        media,
        JSON.parse(media.variants) as MediaVariant[],
        sized ? Number(sized[1]) : undefined,
      );
      return reply.header('cache-control', 'public, max-age=86400').redirect(paths.media(target), 301);
    },
  );
}
