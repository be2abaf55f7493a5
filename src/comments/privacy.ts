import { normalizeEmail } from '../accounts/service.js';
import type { DB } from '../db/database.js';
import { recountComments } from './service.js';

/**
 * What Safir keeps about one email address, for a reader's request to see it
 * or to have it erased. Comments are the data readers leave; a staff account
 * with the address is reported, not erased here (the users page removes it).
 */
export interface PersonalData {
  email: string;
  exported_at: string;
  comments: {
    id: number;
    article: string;
    author_name: string;
    author_url: string;
    content: string;
    status: string;
    created_at: string;
    notify_replies: boolean;
  }[];
  account: { name: string; role: string; created_at: string } | null;
  note: string;
}

export async function exportPersonalData(db: DB, email: string): Promise<PersonalData> {
  const address = normalizeEmail(email);
  const comments = await db
    .selectFrom('comments as c')
    .innerJoin('articles as a', 'a.id', 'c.article_id')
    .select([
      'c.id',
      'a.title as article',
      'c.author_name',
      'c.author_url',
      'c.body',
      'c.status',
      'c.created_at',
      'c.notify_replies',
    ])
    .where('c.author_email', '=', address)
    .orderBy('c.id')
    .execute();
  const account = await db
    .selectFrom('users')
    .select(['name', 'role', 'created_at'])
    .where('email', '=', address)
    .executeTakeFirst();
  return {
    email: address,
    exported_at: new Date().toISOString(),
    comments: comments.map((c) => ({
      id: c.id,
      article: c.article,
      author_name: c.author_name,
      author_url: c.author_url,
      content: c.body,
      status: c.status,
      created_at: c.created_at,
      notify_replies: Boolean(c.notify_replies),
    })),
    account: account ?? null,
    note: 'IP addresses are never stored; only a keyed hash used for rate limits, which cannot be turned back into an address.',
  };
}

/** Deletes every comment written with this address (replies to them stay, detached). Returns how many. */
export async function erasePersonalData(db: DB, email: string): Promise<{ comments: number; account: boolean }> {
  const address = normalizeEmail(email);
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('comments')
      .select(['id', 'article_id'])
      .where('author_email', '=', address)
      .execute();
    const ids = rows.map((r) => r.id);
    if (ids.length) {
      await trx.updateTable('comments').set({ parent_id: null }).where('parent_id', 'in', ids).execute();
      await trx.deleteFrom('comments').where('id', 'in', ids).execute();
      for (const articleId of new Set(rows.map((r) => r.article_id))) await recountComments(trx, articleId);
    }
    const account = await trx.selectFrom('users').select('id').where('email', '=', address).executeTakeFirst();
    return { comments: ids.length, account: Boolean(account) };
  });
}
