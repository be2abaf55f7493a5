import type { Kysely, Transaction } from 'kysely';
import type { Schema } from '../db/schema.js';
import { ARTICLE_STATE_COLUMNS, type ArticleState } from '../delivery/cache-keys.js';

type Q = Kysely<Schema> | Transaction<Schema>;

/**
 * An article as the caches see it, read inside the writer's transaction
 * before and after a change (delivery/cache-keys.ts turns the pair into the
 * keys to invalidate). Public means what readers see: published, and its
 * time has come.
 */
export async function readArticleState(
  q: Q,
  id: number,
  now = new Date().toISOString(),
): Promise<ArticleState | undefined> {
  const row = await q.selectFrom('articles').select(ARTICLE_STATE_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const isPublic = row.status === 'published' && row.published_at !== null && row.published_at <= now;
  const [tags, categoryPath, neighbours] = await Promise.all([
    q.selectFrom('article_tags').select('tag_id').where('article_id', '=', id).orderBy('tag_id').execute(),
    sectionPath(q, row.category_id),
    isPublic && row.published_at ? neighboursOf(q, id, row.published_at, now) : Promise.resolve([]),
  ]);
  return {
    ...row,
    comments_open: Number(row.comments_open),
    comment_count: Number(row.comment_count),
    public: isPublic,
    tagIds: tags.map((t) => t.tag_id),
    categoryPath,
    neighbours,
  };
}

/** A section and the sections above it. */
async function sectionPath(q: Q, categoryId: number): Promise<number[]> {
  const path: number[] = [];
  let current: number | null = categoryId;
  while (current !== null && !path.includes(current) && path.length < 20) {
    path.push(current);
    const row: { parent_id: number | null } | undefined = await q
      .selectFrom('categories')
      .select('parent_id')
      .where('id', '=', current)
      .executeTakeFirst();
    current = row?.parent_id ?? null;
  }
  return path;
}

/** The public articles just before and after (by time, then id): their prev/next links show this one. */
async function neighboursOf(q: Q, id: number, at: string, now: string): Promise<number[]> {
  const step = (older: boolean) =>
    q
      .selectFrom('articles')
      .select('id')
      .where('status', '=', 'published')
      .where('published_at', '<=', older ? at : now)
      .where('published_at', older ? '<=' : '>=', at)
      .where((eb) => eb.or([eb('published_at', older ? '<' : '>', at), eb('id', older ? '<' : '>', id)]))
      .orderBy('published_at', older ? 'desc' : 'asc')
      .orderBy('id', older ? 'desc' : 'asc')
      .limit(1)
      .executeTakeFirst();
  const [before, after] = await Promise.all([step(true), step(false)]);
  return [before?.id, after?.id].filter((n): n is number => n !== undefined);
}
