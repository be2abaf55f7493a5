import { sitemapPageOf } from '../feeds/sitemap-pages.js';
/**
 * The names of what a public response is built from. A cached response
 * carries the keys of everything it shows; a write emits (through the
 * outbox) the keys whose output it changes; the caches of every node, and
 * the CDN in front of them, drop exactly the responses that share a key.
 *
 * - `site`: settings, the menu, the footer, sections and tags (every page shows some of it)
 * - `article:ID`: one article's own page (body, headline, tags, author box, prev/next)
 * - `card:ID`: the article as other pages show it (title, excerpt, image, date, section, comment count)
 * - `comments:ID`: its public comments
 * - `list:NAME`: which articles a list holds and in what order: `all`, `home`, `breaking`, `popular`,
 *   `category:ID`, `tag:ID`, `author:ID`
 * - `author:ID`, `media:ID`, `page:ID`: a profile, an image's alt text and caption, a static page
 * - `search`: any public text (search pages)
 */
export const CacheKeys = {
  site: 'site',
  search: 'search',
  article: (id: number) => `article:${id}`,
  card: (id: number) => `card:${id}`,
  comments: (id: number) => `comments:${id}`,
  author: (id: number) => `author:${id}`,
  media: (id: number) => `media:${id}`,
  page: (id: number) => `page:${id}`,
  /** One article sitemap file (ids (N−1)·1000+1 … N·1000). */
  sitemap: (page: number) => `sitemap:${page}`,
  /** The sitemap index, which dates every file: one key, however many files (a key per file outgrew headers). */
  sitemapIndex: 'sitemap:index',
  list: {
    all: 'list:all',
    home: 'list:home',
    breaking: 'list:breaking',
    popular: 'list:popular',
    category: (id: number) => `list:category:${id}`,
    tag: (id: number) => `list:tag:${id}`,
    author: (id: number) => `list:author:${id}`,
  },
} as const;

/** A key that must not be served stale: its page is gone or moved (taken down, unpublished, renamed). */
export const hard = (key: string) => `!${key}`;

/** What a card shows of an article, and so the keys a page showing it depends on. */
export function cardKeys(a: { id: number; author: { id: number }; image: { id: number } | null }): string[] {
  const keys = [CacheKeys.card(a.id), CacheKeys.author(a.author.id)];
  if (a.image) keys.push(CacheKeys.media(a.image.id));
  return keys;
}

/** The parts of an article that decide where and how it shows: read before and after each write. */
export interface ArticleState {
  id: number;
  status: string;
  public: boolean;
  slug: string;
  title: string;
  excerpt: string;
  body_html: string;
  seo_title: string;
  seo_description: string;
  published_at: string | null;
  category_id: number;
  /** The category and every section above it (lists of a section include its subsections). */
  categoryPath: number[];
  author_id: number;
  featured_media_id: number | null;
  featured: number;
  breaking: number;
  comments_open: number;
  comment_count: number;
  /** Set while the article is behind a password (content/protection.ts). */
  password_hash: string | null;
  tagIds: number[];
  /** The public articles just before and after it, whose prev/next links name it. */
  neighbours: number[];
}

/** What an article's own page shows of its row. */
const PAGE_FIELDS = [
  'slug',
  'title',
  'excerpt',
  'body_html',
  'seo_title',
  'seo_description',
  'published_at',
  'category_id',
  'author_id',
  'featured_media_id',
  'featured',
  'breaking',
  'comments_open',
  'password_hash',
] as const;

/** The columns of an article row that its state is read from (content/article-state.ts). */
export const ARTICLE_STATE_COLUMNS = ['id', 'status', ...PAGE_FIELDS, 'comment_count'] as const;

/** What decides an article's place in lists, its tags aside. */
const PLACE_FIELDS = ['published_at', 'category_id', 'author_id', 'featured', 'breaking'] as const;

const same = <K extends keyof ArticleState>(a: ArticleState, b: ArticleState, ...fields: K[]) =>
  fields.every((f) => JSON.stringify(a[f]) === JSON.stringify(b[f]));

/**
 * The keys an article write changes, from its state before and after
 * (undefined: it did not exist). A draft's autosave changes nothing public;
 * a body edit of a public article changes its own page; the lists that show
 * it change only if what they show of it, or its place among them, changed.
 */
export function articleChangeKeys(before: ArticleState | undefined, after: ArticleState | undefined): string[] {
  const was = before?.public ? before : undefined;
  const is = after?.public ? after : undefined;
  if (!was && !is) return [];
  const id = (was ?? is)!.id;
  // Every change of a public article moves its sitemap file's lastmod.
  const keys = new Set<string>([CacheKeys.search, CacheKeys.sitemap(sitemapPageOf(id)), CacheKeys.sitemapIndex]);
  // Put behind a password: nothing that showed its text (its page, cards with its excerpt, search snippets)
  // may be served as it was, even for a moment.
  const hidden = Boolean(was && is && !was.password_hash && is.password_hash !== null);
  // Taken down or moved to another address: the same for its page.
  const gone = !is || (was && was.slug !== is.slug) || hidden;
  keys.add(gone ? hard(CacheKeys.article(id)) : CacheKeys.article(id));
  if (hidden) keys.add(hard(CacheKeys.card(id))).add(hard(CacheKeys.search));
  if (was && is && same(was, is, ...PAGE_FIELDS, 'tagIds')) keys.delete(CacheKeys.article(id)); // nothing of its own page changed (a revision note, say)
  const cardSame =
    was &&
    is &&
    same(
      was,
      is,
      'slug',
      'title',
      'excerpt',
      'published_at',
      'category_id',
      'author_id',
      'featured_media_id',
      'comment_count',
    ) &&
    (was.password_hash === null) === (is.password_hash === null);
  if (!cardSame) keys.add(CacheKeys.card(id));
  const placeSame = was && is && same(was, is, ...PLACE_FIELDS, 'tagIds');
  if (!placeSame) {
    keys.add(CacheKeys.list.all);
    keys.add(CacheKeys.list.home);
    for (const s of [was, is]) {
      if (!s) continue;
      for (const c of s.categoryPath) keys.add(CacheKeys.list.category(c));
      keys.add(CacheKeys.list.author(s.author_id));
      if (s.breaking) keys.add(CacheKeys.list.breaking);
      for (const n of s.neighbours) keys.add(CacheKeys.article(n));
    }
    // Only its tags changed: just the tags it gained or lost have a list that moved.
    const onlyTagsMoved = was && is && same(was, is, ...PLACE_FIELDS);
    const tags = onlyTagsMoved
      ? symmetricDifference(was.tagIds, is.tagIds)
      : [...(was?.tagIds ?? []), ...(is?.tagIds ?? [])];
    for (const t of tags) keys.add(CacheKeys.list.tag(t));
  }
  if (!was || !is) keys.add(CacheKeys.list.popular); // the most-read box shows public articles only
  return [...keys];
}

function symmetricDifference(a: number[], b: number[]): number[] {
  const sa = new Set(a);
  const sb = new Set(b);
  return [...a.filter((x) => !sb.has(x)), ...b.filter((x) => !sa.has(x))];
}
