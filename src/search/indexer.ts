import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { type IndexedDocument, searchIndexFor } from '../db/search/index.js';
import { textOf } from '../content/sanitize.js';
import { analyze } from './analyzer.js';

/**
 * Brings one article's search entry in step with the article, inside the
 * caller's transaction: every article is indexed (search shows only published
 * ones, so unpublishing takes effect at once), and a deleted one is removed.
 */
export async function reindexArticle(q: Kysely<Schema>, articleId: number): Promise<void> {
  const index = searchIndexFor(q);
  const row = await q
    .selectFrom('articles as a')
    .innerJoin('authors as au', 'au.id', 'a.author_id')
    .innerJoin('categories as c', 'c.id', 'a.category_id')
    .where('a.id', '=', articleId)
    .select(['a.title', 'a.excerpt', 'a.body_html', 'a.password_hash', 'au.name as author', 'c.name as category'])
    .executeTakeFirst();
  if (!row) {
    await index.remove(articleId);
    return;
  }
  const tags = await q
    .selectFrom('article_tags as at')
    .innerJoin('tags as t', 't.id', 'at.tag_id')
    .where('at.article_id', '=', articleId)
    .select('t.name')
    .execute();
  // A protected article is found by its title, tags, section and author; its text is not searched or quoted.
  const text = row.password_hash === null ? row : { excerpt: '', body_html: '' };
  await index.upsert(articleId, documentOf({ ...row, ...text, tags: tags.map((t) => t.name) }));
}

export function documentOf(a: {
  title: string;
  excerpt: string;
  body_html: string;
  author: string;
  category: string;
  tags: string[];
}): IndexedDocument {
  const plain = textOf(a.body_html);
  return {
    title: analyze(a.title),
    excerpt: analyze(a.excerpt),
    body: analyze(plain),
    tags: analyze(a.tags.join(' ')),
    category: analyze(a.category),
    author: analyze(a.author),
    plain,
  };
}

/** Rebuilds every entry, in batches, each in its own transaction: search keeps answering throughout. */
export async function reindexAll(
  db: Kysely<Schema>,
  onProgress?: (p: { done: number; total: number }) => void,
  batchSize = 200,
): Promise<number> {
  const ids = (await db.selectFrom('articles').select('id').orderBy('id').execute()).map((r) => r.id);
  for (let i = 0; i < ids.length; i += batchSize) {
    const batch = ids.slice(i, i + batchSize);
    await db.transaction().execute(async (trx) => {
      for (const id of batch) await reindexArticle(trx, id);
    });
    onProgress?.({ done: Math.min(i + batchSize, ids.length), total: ids.length });
  }
  return ids.length;
}
