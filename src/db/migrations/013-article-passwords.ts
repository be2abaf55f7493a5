import type { Kysely } from 'kysely';

/**
 * Password-protected articles (WordPress's `post_password`): the scrypt hash of the article's password, or
 * null for an article anyone may read. While it is set, the article's text shows on no public URL until a
 * reader gives the password (content/protection.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('articles').addColumn('password_hash', 'text').execute();
}
