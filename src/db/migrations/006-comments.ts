import type { Kysely } from 'kysely';
import { type Dialect, idColumnType } from '../dialect.js';

/**
 * Comments. The email is stored (for moderation, reply notices and privacy
 * export) but never shown; the IP address only as a keyed hash. Articles get
 * a per-article switch and a count of approved comments, kept in step with
 * every status change, for the listings.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const id = idColumnType(dialect);
  await db.schema
    .createTable('comments')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id').onDelete('cascade'))
    .addColumn('parent_id', 'integer', (c) => c.references('comments.id').onDelete('set null'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('author_email', 'text', (c) => c.notNull())
    .addColumn('author_url', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('ip_hash', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('notify_replies', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('comments_article').on('comments').columns(['article_id', 'status', 'id']).execute();
  await db.schema.createIndex('comments_status').on('comments').columns(['status', 'id']).execute();
  await db.schema.createIndex('comments_email').on('comments').columns(['author_email', 'status']).execute();
  await db.schema.createIndex('comments_ip').on('comments').columns(['ip_hash', 'created_at']).execute();

  // Form tokens already spent, so that a captured form cannot be posted again.
  await db.schema
    .createTable('comment_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('used_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .alterTable('articles')
    .addColumn('comments_open', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable('articles')
    .addColumn('comment_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
