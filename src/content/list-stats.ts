import { type Kysely, sql, type Transaction } from 'kysely';
import type { ListStatsTable, Schema } from '../db/schema.js';
import type { ArticleState } from '../delivery/cache-keys.js';

type Q = Kysely<Schema> | Transaction<Schema>;
type Kind = ListStatsTable['kind'];

/**
 * The sizes of the lists of published articles (the whole site, each section, tag and author) and their
 * last change, kept in `list_stats` by every article write in its own transaction, so that no page ever
 * counts or groups the archive: archive pages number their pages from it, the categories API shows its
 * counts, sitemaps date their files. A listed article is one whose status is published (a scheduled one
 * joins its lists when the scheduler publishes it, through the same write path).
 *
 * Writes that move many articles at once (deleting a section, merging tags, reassigning an author) recount
 * the lists they touched (`recountLists`); bulk loads rebuild everything (`rebuildListStats`).
 */

const listed = (s: ArticleState | undefined) => s?.status === 'published';

function listsOf(s: ArticleState): [Kind, number][] {
  return [
    ['all', 0],
    ['category', s.category_id],
    ['author', s.author_id],
    ...s.tagIds.map((t): [Kind, number] => ['tag', t]),
  ];
}

/**
 * After one article write: its tag rows carry its state, and its lists' counts and dates follow
 * (`before`/`after` as read around the write; `after` absent for a deleted article).
 */
export async function recordListChange(
  q: Q,
  id: number,
  before: ArticleState | undefined,
  after: ArticleState | undefined,
  at: string,
): Promise<void> {
  if (after)
    await q
      .updateTable('article_tags')
      .set({ listed: listed(after) ? 1 : 0, published_at: after.published_at })
      .where('article_id', '=', id)
      .execute();
  const delta = new Map<string, { kind: Kind; id: number; n: number }>();
  const add = (s: ArticleState | undefined, n: number) => {
    if (!s || !listed(s)) return;
    for (const [kind, subject] of listsOf(s)) {
      const key = `${kind}:${subject}`;
      const d = delta.get(key) ?? { kind, id: subject, n: 0 };
      d.n += n;
      delta.set(key, d);
    }
  };
  add(before, -1);
  add(after, 1);
  for (const d of delta.values()) {
    await q
      .insertInto('list_stats')
      .values({ kind: d.kind, subject_id: d.id, articles: Math.max(0, d.n), lastmod: at })
      .onConflict((oc) =>
        oc
          .columns(['kind', 'subject_id'])
          .doUpdateSet((eb) => ({ articles: eb('list_stats.articles', '+', d.n), lastmod: at })),
      )
      .execute();
  }
}

/** Counts these lists afresh (after a write that moved many articles between them). */
export async function recountLists(q: Q, kind: Exclude<Kind, 'all'>, ids: number[]): Promise<void> {
  for (const id of new Set(ids)) {
    await q.deleteFrom('list_stats').where('kind', '=', kind).where('subject_id', '=', id).execute();
    const counted =
      kind === 'tag'
        ? q
            .selectFrom('article_tags as t')
            .innerJoin('articles as a', 'a.id', 't.article_id')
            .where('t.tag_id', '=', id)
            .where('a.status', '=', 'published')
        : q
            .selectFrom('articles as a')
            .where(kind === 'category' ? 'a.category_id' : 'a.author_id', '=', id)
            .where('a.status', '=', 'published');
    const row = await counted
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('a.updated_at').as('lastmod')])
      .executeTakeFirst();
    if (row && Number(row.n) > 0 && row.lastmod)
      await q
        .insertInto('list_stats')
        .values({ kind, subject_id: id, articles: Number(row.n), lastmod: row.lastmod })
        .execute();
  }
}

/** Everything afresh, after a bulk load that did not track each article (imports, restores). */
export async function rebuildListStats(q: Q): Promise<void> {
  await sql`UPDATE article_tags SET
      listed = (SELECT CASE WHEN a.status = 'published' THEN 1 ELSE 0 END FROM articles a WHERE a.id = article_tags.article_id),
      published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_tags.article_id)`.execute(q);
  await q.deleteFrom('list_stats').execute();
  await sql`INSERT INTO list_stats (kind, subject_id, articles, lastmod)
    SELECT 'all', 0, count(*), max(updated_at) FROM articles WHERE status = 'published' HAVING count(*) > 0`.execute(q);
  await sql`INSERT INTO list_stats (kind, subject_id, articles, lastmod)
    SELECT 'category', category_id, count(*), max(updated_at) FROM articles WHERE status = 'published'
    GROUP BY category_id`.execute(q);
  await sql`INSERT INTO list_stats (kind, subject_id, articles, lastmod)
    SELECT 'author', author_id, count(*), max(updated_at) FROM articles WHERE status = 'published'
    GROUP BY author_id`.execute(q);
  await sql`INSERT INTO list_stats (kind, subject_id, articles, lastmod)
    SELECT 'tag', t.tag_id, count(*), max(a.updated_at) FROM article_tags t JOIN articles a ON a.id = t.article_id
    WHERE a.status = 'published' GROUP BY t.tag_id`.execute(q);
}

/** The sizes of some lists of one kind (absent: empty). */
export async function listSizes(q: Q, kind: Kind, ids: number[]): Promise<Map<number, number>> {
  if (!ids.length) return new Map();
  const rows = await q
    .selectFrom('list_stats')
    .select(['subject_id', 'articles'])
    .where('kind', '=', kind)
    .where('subject_id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.subject_id, Number(r.articles)]));
}
