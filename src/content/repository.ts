import { sql } from 'kysely';
import type { DB } from '../db/database.js';
import { prepared } from '../db/prepared.js';
import { listSizes } from './list-stats.js';
import type {
  ArticleDetail,
  ArticleFilter,
  ArticleSummary,
  Author,
  Category,
  Image,
  MediaVariant,
  PageRequest,
  StaticPage,
  TagRef,
} from './types.js';

/** Below this offset a page is read from the list's start without asking its size first. */
const MIDDLE_FROM = 200;

/** A list with an index of its own: the site, sections (one and its subsections), a tag, an author. */
type SingleList =
  | { kind: 'all' }
  | { kind: 'categories'; ids: number[] }
  | { kind: 'tag'; id: number }
  | { kind: 'author'; id: number };

function singleList(filter: ArticleFilter): SingleList | undefined {
  const given = [filter.categoryIds, filter.tagId, filter.authorId].filter((v) => v !== undefined).length;
  if (given > 1) return undefined;
  if (filter.categoryIds)
    return filter.categoryIds.length ? { kind: 'categories', ids: filter.categoryIds } : undefined;
  if (filter.tagId !== undefined) return { kind: 'tag', id: filter.tagId };
  if (filter.authorId !== undefined) return { kind: 'author', id: filter.authorId };
  return { kind: 'all' };
}

/** Rows per statement when read counts are added: 3 parameters each, within SQLite's 32,766. */
const VIEW_ROWS_PER_STATEMENT = 500;

/** How many of each tag's newest articles are candidates for an article's related list. */
const RELATED_PER_TAG = 20;

const SUMMARY_COLUMNS = [
  'a.id',
  'a.slug',
  'a.title',
  'a.excerpt',
  'a.published_at',
  'a.updated_at',
  'a.word_count',
  'a.featured',
  'a.breaking',
  'a.comment_count',
  'a.comments_open',
  'au.id as author_id',
  'au.name as author_name',
  'au.slug as author_slug',
  'c.id as category_id',
  'c.name as category_name',
  'c.slug as category_slug',
  'm.id as media_id',
  'm.path as media_path',
  'm.width as media_width',
  'm.height as media_height',
  'm.alt as media_alt',
  'm.caption as media_caption',
  'm.variants as media_variants',
  // Read only to say whether the article is protected (content/protection.ts); never copied out.
  'a.password_hash',
] as const;

type SummaryRow = {
  id: number;
  slug: string;
  title: string;
  excerpt: string;
  published_at: string | null;
  updated_at: string;
  word_count: number;
  featured: number;
  breaking: number;
  comment_count: number;
  comments_open: number;
  author_id: number | null;
  author_name: string | null;
  author_slug: string | null;
  category_id: number | null;
  category_name: string | null;
  category_slug: string | null;
  media_id: number | null;
  media_path: string | null;
  media_width: number | null;
  media_height: number | null;
  media_alt: string | null;
  media_caption: string | null;
  media_variants: string | null;
  password_hash: string | null;
};

function imageOf(row: {
  media_id: number | null;
  media_path: string | null;
  media_width: number | null;
  media_height: number | null;
  media_alt: string | null;
  media_caption: string | null;
  media_variants: string | null;
}): Image | null {
  if (row.media_id === null || row.media_path === null) return null;
  return {
    id: row.media_id,
    path: row.media_path,
    width: row.media_width ?? 0,
    height: row.media_height ?? 0,
    alt: row.media_alt ?? '',
    caption: row.media_caption ?? '',
    variants: JSON.parse(row.media_variants ?? '[]') as MediaVariant[],
  };
}

/** What readers see: published, and its time has come (the same rule as `published()` in SQL). */
function isPublic(row: { status: string; published_at: string | null }, now: string): boolean {
  return row.status === 'published' && row.published_at !== null && row.published_at <= now;
}

/** An article as lists and pages show it; a protected one without its text (content/protection.ts). */
function toSummary(row: SummaryRow): ArticleSummary {
  const isProtected = row.password_hash !== null;
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    excerpt: isProtected ? '' : row.excerpt,
    protected: isProtected,
    published_at: row.published_at ?? row.updated_at,
    updated_at: row.updated_at,
    word_count: row.word_count,
    featured: row.featured === 1,
    breaking: row.breaking === 1,
    comment_count: row.comment_count,
    comments_open: row.comments_open === 1,
    author: { id: row.author_id ?? 0, name: row.author_name ?? '', slug: row.author_slug ?? '' },
    category: { id: row.category_id ?? 0, name: row.category_name ?? '', slug: row.category_slug ?? '' },
    image: imageOf(row),
  };
}

/**
 * Reads of published content. "Published" means status published and a
 * publication time that has come: a scheduled article stays hidden even if the
 * scheduler is late.
 */
export class ContentRepository {
  // The reads of every article page, built and compiled once (db/prepared.ts).
  private readonly bySlug;
  private readonly summariesById;
  private readonly tagsOfIds;
  private readonly relatedCandidates;
  private readonly neighbourRows;

  constructor(private readonly db: DB) {
    this.bySlug = prepared(db, (slug: string, now: string) =>
      this.withDetailColumns(this.published(now).where('a.slug', '=', slug)),
    );
    // By primary key alone, checked in JS (isPublic): with the status and time in the query, SQLite
    // would rather walk the whole date index than look up a few ids.
    this.summariesById = prepared(db, (ids: number[]) =>
      this.joined().where('a.id', 'in', ids).select(SUMMARY_COLUMNS).select('a.status'),
    );
    this.tagsOfIds = prepared(db, (ids: number[]) =>
      db
        .selectFrom('article_tags as at')
        .innerJoin('tags as t', 't.id', 'at.tag_id')
        .where('at.article_id', 'in', ids)
        .select(['at.article_id', 't.id', 't.name', 't.slug'])
        .orderBy('t.name'),
    );
    // The newest articles of each tag from the (tag_id, article_id) index, and their dates by primary key.
    this.relatedCandidates = prepared(db, (tagIds: number[], articleId: number) => {
      const newestOf = (tagId: number) =>
        db
          .selectFrom('article_tags')
          .select('article_id')
          .where('tag_id', '=', tagId)
          .where('article_id', '!=', articleId)
          .orderBy('article_id', 'desc')
          .limit(sql.lit(RELATED_PER_TAG));
      const [first, ...rest] = tagIds.map((id, i) => db.selectFrom(newestOf(id).as(`t${i}`)).select('article_id'));
      const candidates = rest.reduce((union, part) => union.unionAll(part), first!);
      return db.selectFrom('articles').select(['id', 'status', 'published_at']).where('id', 'in', candidates);
    });
    // Just before and just after: each side bounded by the article's own time and by now, so the scan of
    // (status, published_at, id) starts right next to it; the OR only breaks ties on time.
    this.neighbourRows = prepared(db, (at: string, id: number, now: string) => {
      const side = (older: boolean) =>
        this.published(older ? at : now)
          .where('a.published_at', older ? '<=' : '>=', at)
          .where((eb) => eb.or([eb('a.published_at', older ? '<' : '>', at), eb('a.id', older ? '<' : '>', id)]))
          .select(SUMMARY_COLUMNS)
          .select(sql.lit(older ? 1 : 0).as('older'))
          .orderBy('a.published_at', older ? 'desc' : 'asc')
          .orderBy('a.id', older ? 'desc' : 'asc')
          .limit(sql.lit(1));
      return db
        .selectFrom(side(true).as('p'))
        .selectAll()
        .unionAll(db.selectFrom(side(false).as('n')).selectAll());
    });
  }

  private withDetailColumns(query: ReturnType<ContentRepository['joined']>) {
    return query
      .leftJoin('media as av', 'av.id', 'au.avatar_media_id')
      .select(SUMMARY_COLUMNS)
      .select([
        'a.body_html',
        'a.seo_title',
        'a.seo_description',
        'au.bio as author_bio',
        'av.id as avatar_id',
        'av.path as avatar_path',
        'av.width as avatar_width',
        'av.height as avatar_height',
        'av.alt as avatar_alt',
        'av.caption as avatar_caption',
        'av.variants as avatar_variants',
      ]);
  }

  /** Articles with their author, section and image, whatever their status. */
  private joined() {
    return this.db
      .selectFrom('articles as a')
      .leftJoin('authors as au', 'au.id', 'a.author_id')
      .leftJoin('categories as c', 'c.id', 'a.category_id')
      .leftJoin('media as m', 'm.id', 'a.featured_media_id');
  }

  private published(now: string) {
    // Left joins although every article has an author and a category (foreign keys): SQLite never moves
    // the left table of a LEFT JOIN inward, so `articles` stays the outer loop and its ordered indexes
    // serve ORDER BY … LIMIT, instead of a plan that starts from the small authors table and sorts.
    return this.joined().where('a.status', '=', 'published').where('a.published_at', '<=', now);
  }

  private filtered(now: string, filter: ArticleFilter) {
    let q = this.published(now);
    if (filter.categoryIds) q = q.where('a.category_id', 'in', filter.categoryIds.length ? filter.categoryIds : [-1]);
    if (filter.authorId !== undefined) q = q.where('a.author_id', '=', filter.authorId);
    if (filter.tagId !== undefined) {
      const tagId = filter.tagId;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('article_tags as at')
            .select('at.tag_id')
            .whereRef('at.article_id', '=', 'a.id')
            .where('at.tag_id', '=', tagId),
        ),
      );
    }
    if (filter.excludeIds?.length) q = q.where('a.id', 'not in', filter.excludeIds);
    return q;
  }

  /**
   * One page of a list, newest first. The page's ids come from the list's own index alone (no article
   * rows, no joins, however deep the page); then only those articles are read, by primary key. Past the
   * middle of a list of known size the index is read from the other end, so the last page costs what
   * the first does. Filters that combine a section, tag and author take the general path.
   */
  async listPublished(
    filter: ArticleFilter,
    page: PageRequest,
    now = new Date().toISOString(),
  ): Promise<ArticleSummary[]> {
    const list = singleList(filter);
    if (!list) {
      const rows = await this.filtered(now, filter)
        .select(SUMMARY_COLUMNS)
        .orderBy('a.published_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return rows.map(toSummary);
    }
    let ids: number[];
    const size = page.offset > MIDDLE_FROM && !filter.excludeIds?.length ? await this.countPublished(filter, now) : 0;
    if (size && page.offset > size / 2) {
      const end = Math.max(0, size - page.offset - page.limit);
      const limit = Math.min(page.limit, size - page.offset);
      ids = limit > 0 ? (await this.listIds(list, filter, now, { limit, offset: end }, 'asc')).reverse() : [];
    } else {
      ids = await this.listIds(list, filter, now, page, 'desc');
    }
    return this.summariesByIds(ids, now);
  }

  /**
   * The page after `cursor` (the last article of the previous page: its time and id), newest first: cost
   * independent of depth, for clients that walk a whole list (the API's `cursor`).
   */
  async listPublishedAfter(
    filter: ArticleFilter,
    cursor: { at: string; id: number } | undefined,
    limit: number,
    now = new Date().toISOString(),
  ): Promise<ArticleSummary[]> {
    const list = singleList(filter);
    if (!list || !cursor) {
      if (!cursor) return this.listPublished(filter, { limit, offset: 0 }, now);
      const rows = await this.filtered(now, filter)
        .where('a.published_at', '<=', cursor.at)
        .where((eb) => eb.or([eb('a.published_at', '<', cursor.at), eb('a.id', '<', cursor.id)]))
        .select(SUMMARY_COLUMNS)
        .orderBy('a.published_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toSummary);
    }
    return this.summariesByIds(await this.listIds(list, filter, now, { limit, offset: 0 }, 'desc', cursor), now);
  }

  /** Ids of a page of one list, from its index: (status, published_at, id) and the like, or article_tags'. */
  private async listIds(
    list: SingleList,
    filter: ArticleFilter,
    now: string,
    page: PageRequest,
    order: 'asc' | 'desc',
    before?: { at: string; id: number },
  ): Promise<number[]> {
    const exclude = filter.excludeIds?.length ? filter.excludeIds : undefined;
    if (list.kind === 'tag') {
      let q = this.db
        .selectFrom('article_tags')
        .select('article_id as id')
        .where('tag_id', '=', list.id)
        .where('listed', '=', 1)
        .where('published_at', '<=', before?.at ?? now);
      if (before) q = q.where((eb) => eb.or([eb('published_at', '<', before.at), eb('article_id', '<', before.id)]));
      if (exclude) q = q.where('article_id', 'not in', exclude);
      const rows = await q
        .orderBy('published_at', order)
        .orderBy('article_id', order)
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return rows.map((r) => r.id);
    }
    const one = (column: 'category_id' | 'author_id' | undefined, value: number | undefined) => {
      let q = this.db
        .selectFrom('articles')
        .select(['id', 'published_at'])
        .where('status', '=', 'published')
        .where('published_at', '<=', before?.at ?? now);
      if (column) q = q.where(column, '=', value!);
      if (before) q = q.where((eb) => eb.or([eb('published_at', '<', before.at), eb('id', '<', before.id)]));
      if (exclude) q = q.where('id', 'not in', exclude);
      return q.orderBy('published_at', order).orderBy('id', order);
    };
    if (list.kind === 'categories' && list.ids.length > 1) {
      // Several sections (one with its subsections): the first offset+limit of each from its own index,
      // merged. SQLite would otherwise sort every article of all of them.
      const parts = list.ids.map((id, i) =>
        this.db
          .selectFrom(
            one('category_id', id)
              .limit(page.offset + page.limit)
              .as(`s${i}`),
          )
          .selectAll(),
      );
      const [first, ...rest] = parts;
      const rows = await this.db
        .selectFrom(rest.reduce((u, part) => u.unionAll(part), first!).as('merged'))
        .select('id')
        .orderBy('published_at', order)
        .orderBy('id', order)
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return rows.map((r) => r.id);
    }
    const rows = await (
      list.kind === 'all'
        ? one(undefined, undefined)
        : list.kind === 'author'
          ? one('author_id', list.id)
          : one('category_id', list.ids[0])
    )
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return rows.map((r) => r.id);
  }

  /** How many articles a list holds: kept in list_stats for single lists (content/list-stats.ts). */
  async countPublished(filter: ArticleFilter, now = new Date().toISOString()): Promise<number> {
    const list = singleList(filter);
    if (list && !filter.excludeIds?.length) {
      const [kind, ids] =
        list.kind === 'categories'
          ? (['category', list.ids] as const)
          : list.kind === 'all'
            ? (['all', [0]] as const)
            : ([list.kind, [list.id]] as const);
      const sizes = await listSizes(this.db, kind, [...ids]);
      return [...sizes.values()].reduce((n, v) => n + v, 0);
    }
    const row = await this.filtered(now, filter)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async listBreaking(limit: number, now = new Date().toISOString()): Promise<ArticleSummary[]> {
    const rows = await this.published(now)
      .where('a.breaking', '=', 1)
      .select(SUMMARY_COLUMNS)
      .orderBy('a.published_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toSummary);
  }

  /** The newest article flagged `featured`, or the newest of all. */
  async lead(now = new Date().toISOString()): Promise<ArticleSummary | undefined> {
    const featured = await this.published(now)
      .where('a.featured', '=', 1)
      .select(SUMMARY_COLUMNS)
      .orderBy('a.published_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (featured) return toSummary(featured);
    const [newest] = await this.listPublished({}, { limit: 1, offset: 0 }, now);
    return newest;
  }

  /** The most-read articles over the days from `sinceDay` (YYYY-MM-DD) on. */
  async mostRead(limit: number, sinceDay: string, now = new Date().toISOString()): Promise<ArticleSummary[]> {
    // Rank ids first from the small per-day table, then load only those articles.
    const top = await this.db
      .selectFrom('article_views')
      .where('day', '>=', sinceDay)
      .groupBy('article_id')
      .select(['article_id', (eb) => eb.fn.sum<number>('views').as('total')])
      .orderBy('total', 'desc')
      .limit(limit * 2)
      .execute();
    if (!top.length) return [];
    return (
      await this.summariesByIds(
        top.map((t) => t.article_id),
        now,
      )
    ).slice(0, limit);
  }

  async articleBySlug(slug: string, now = new Date().toISOString()): Promise<ArticleDetail | undefined> {
    return this.toDetail((await this.bySlug(slug, now))[0]);
  }

  /** Any article, whatever its status, with its text even if protected: the newsroom's preview of the real page. */
  async articleForPreview(id: number): Promise<ArticleDetail | undefined> {
    return this.toDetail(await this.withDetailColumns(this.joined().where('a.id', '=', id)).executeTakeFirst(), true);
  }

  /** A protected article's text reads blank (content/protection.ts), unless `withText` (the newsroom's preview). */
  private async toDetail(
    row: Awaited<ReturnType<ReturnType<ContentRepository['withDetailColumns']>['executeTakeFirst']>>,
    withText = false,
  ): Promise<ArticleDetail | undefined> {
    if (!row) return undefined;
    const tags = await this.tagsOf([row.id]);
    const avatar = imageOf({
      media_id: row.avatar_id,
      media_path: row.avatar_path,
      media_width: row.avatar_width,
      media_height: row.avatar_height,
      media_alt: row.avatar_alt,
      media_caption: row.avatar_caption,
      media_variants: row.avatar_variants,
    });
    const summary = toSummary(row);
    const hidden = summary.protected && !withText;
    return {
      ...summary,
      excerpt: hidden ? '' : row.excerpt,
      body_html: hidden ? '' : row.body_html,
      seo_title: row.seo_title,
      seo_description: hidden ? '' : row.seo_description,
      author: { ...summary.author, bio: row.author_bio ?? '', avatar },
      tags: tags.get(row.id) ?? [],
    };
  }

  /** The text of a protected article and its password hash, for a reader who may have unlocked it. */
  async protectedText(
    id: number,
  ): Promise<{ password_hash: string; body_html: string; excerpt: string; seo_description: string } | undefined> {
    const row = await this.db
      .selectFrom('articles')
      .select(['password_hash', 'body_html', 'excerpt', 'seo_description'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.password_hash ? { ...row, password_hash: row.password_hash } : undefined;
  }

  /**
   * Published articles by id, in the order of `ids`. Read by primary key alone and checked here: with the
   * status and time in the query, SQLite would rather walk the whole date index than look up a few ids.
   */
  async summariesByIds(ids: number[], now = new Date().toISOString()): Promise<ArticleSummary[]> {
    if (!ids.length) return [];
    const rows = await this.summariesById(ids);
    const byId = new Map(rows.filter((r) => isPublic(r, now)).map((r) => [r.id, toSummary(r)] as const));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Tags of many articles in one query, keyed by article id. */
  async tagsOf(articleIds: number[]): Promise<Map<number, TagRef[]>> {
    const out = new Map<number, TagRef[]>();
    if (articleIds.length === 0) return out;
    for (const r of await this.tagsOfIds(articleIds)) {
      const list = out.get(r.article_id) ?? [];
      list.push({ id: r.id, name: r.name, slug: r.slug });
      out.set(r.article_id, list);
    }
    return out;
  }

  /**
   * Articles that share a tag, newest first, then same-section ones. The candidates are the newest
   * articles of each tag read from the (tag_id, article_id) index, a bounded number whatever the archive's
   * size: walking the articles by date until enough share a rare tag would read the whole archive.
   */
  async related(article: ArticleDetail, limit: number, now = new Date().toISOString()): Promise<ArticleSummary[]> {
    const tagIds = article.tags.slice(0, 5).map((t) => t.id);
    const dated = tagIds.length
      ? (await this.relatedCandidates(tagIds, article.id)).filter((r) => isPublic(r, now))
      : [];
    const newest = dated
      .sort((x, y) => (x.published_at! < y.published_at! ? 1 : x.published_at! > y.published_at! ? -1 : y.id - x.id))
      .slice(0, limit)
      .map((r) => r.id);
    const found = await this.summariesByIds(newest, now);
    if (found.length < limit) {
      const more = await this.listPublished(
        { categoryIds: [article.category.id], excludeIds: [article.id, ...found.map((f) => f.id)] },
        { limit: limit - found.length, offset: 0 },
        now,
      );
      found.push(...more);
    }
    return found;
  }

  /** The articles published just before and just after this one (ties on time broken by id). */
  async neighbours(
    article: ArticleSummary,
    now = new Date().toISOString(),
  ): Promise<{ previous?: ArticleSummary; next?: ArticleSummary }> {
    const rows = await this.neighbourRows(article.published_at, article.id, now);
    const side = (older: number) => {
      const row = rows.find((r) => Number(r.older) === older);
      return row && toSummary(row);
    };
    return { previous: side(1), next: side(0) };
  }

  /**
   * The newest articles of several sections at once: one statement (a UNION
   * ALL of per-section queries, each served by its index) instead of one
   * round trip per section.
   */
  async latestPerSection(
    sections: { key: number; categoryIds: number[] }[],
    perSection: number,
    excludeIds: number[],
    now = new Date().toISOString(),
  ): Promise<Map<number, ArticleSummary[]>> {
    const out = new Map<number, ArticleSummary[]>(sections.map((s) => [s.key, []]));
    if (!sections.length) return out;
    const part = (s: { key: number; categoryIds: number[] }, i: number) =>
      this.db
        .selectFrom(
          this.filtered(now, { categoryIds: s.categoryIds, excludeIds })
            .select(SUMMARY_COLUMNS)
            .select(sql<number>`${s.key}`.as('section_key'))
            .orderBy('a.published_at', 'desc')
            .orderBy('a.id', 'desc')
            .limit(perSection)
            .as(`s${i}`),
        )
        .selectAll();
    let query = part(sections[0]!, 0);
    for (let i = 1; i < sections.length; i++) query = query.unionAll(part(sections[i]!, i));
    for (const row of await query.execute()) out.get(Number(row.section_key))!.push(toSummary(row));
    return out;
  }

  async image(id: number): Promise<Image | null> {
    const m = await this.db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();
    if (!m) return null;
    return {
      id: m.id,
      path: m.path,
      width: m.width,
      height: m.height,
      alt: m.alt,
      caption: m.caption,
      variants: JSON.parse(m.variants) as MediaVariant[],
    };
  }

  async categories(): Promise<Category[]> {
    return this.db
      .selectFrom('categories')
      .select(['id', 'name', 'slug', 'description', 'parent_id', 'position'])
      .orderBy('position')
      .orderBy('id')
      .execute();
  }

  /** Published-article counts per category (own articles only, not descendants'). */
  /** Published articles per section (its own, without subsections), from list_stats. */
  async categoryCounts(): Promise<Map<number, number>> {
    const rows = await this.db
      .selectFrom('list_stats')
      .select(['subject_id', 'articles'])
      .where('kind', '=', 'category')
      .execute();
    return new Map(rows.map((r) => [r.subject_id, Number(r.articles)]));
  }

  async tagBySlug(slug: string): Promise<TagRef | undefined> {
    return this.db.selectFrom('tags').select(['id', 'name', 'slug']).where('slug', '=', slug).executeTakeFirst();
  }

  async authorBySlug(slug: string): Promise<Author | undefined> {
    const row = await this.db
      .selectFrom('authors')
      .select(['id', 'name', 'slug', 'bio', 'avatar_media_id'])
      .where('slug', '=', slug)
      .executeTakeFirst();
    if (!row) return undefined;
    const avatar = row.avatar_media_id === null ? null : await this.image(row.avatar_media_id);
    return { id: row.id, name: row.name, slug: row.slug, bio: row.bio, avatar };
  }

  async pageBySlug(slug: string, now = new Date().toISOString()): Promise<StaticPage | undefined> {
    return this.db
      .selectFrom('pages')
      .select(['id', 'slug', 'title', 'body_html', 'updated_at'])
      .where('slug', '=', slug)
      .where('status', '=', 'published')
      .where('published_at', '<=', now)
      .executeTakeFirst();
  }

  async pages(now = new Date().toISOString()): Promise<Pick<StaticPage, 'slug' | 'title'>[]> {
    return this.db
      .selectFrom('pages')
      .select(['slug', 'title'])
      .where('status', '=', 'published')
      .where('published_at', '<=', now)
      .orderBy('id')
      .execute();
  }

  async redirectFor(path: string): Promise<{ to_path: string; status_code: number } | undefined> {
    return this.db
      .selectFrom('redirects')
      .select(['to_path', 'status_code'])
      .where('from_path', '=', path)
      .executeTakeFirst();
  }

  /** Adds read counts for one day; several app nodes may add to the same rows. */
  async addViews(day: string, counts: Map<number, number>): Promise<void> {
    const rows = [...counts].map(([article_id, views]) => ({ article_id, day, views }));
    // Many rows a statement: one statement a row kept a worker's event loop busy for a third of a second
    // when a busy site's flush held reads of 5,000 articles (better-sqlite3 runs them all in one turn).
    if (!rows.length) return;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += VIEW_ROWS_PER_STATEMENT) {
        const chunk = rows.slice(i, i + VIEW_ROWS_PER_STATEMENT);
        // An article deleted since it was read has no row to count into; its reads are dropped, not retried
        // forever with the whole batch (the foreign key would refuse every flush after).
        const live = new Set(
          (
            await trx
              .selectFrom('articles')
              .select('id')
              .where(
                'id',
                'in',
                chunk.map((r) => r.article_id),
              )
              .execute()
          ).map((r) => r.id),
        );
        const values = chunk.filter((r) => live.has(r.article_id));
        if (!values.length) continue;
        await trx
          .insertInto('article_views')
          .values(values)
          .onConflict((oc) =>
            oc
              .columns(['article_id', 'day'])
              .doUpdateSet((eb) => ({ views: eb('article_views.views', '+', eb.ref('excluded.views')) })),
          )
          .execute();
      }
    });
  }
}
