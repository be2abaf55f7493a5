import type { Kysely } from 'kysely';

/**
 * How far each process's outbox follower has applied the outbox to its own page cache, with when it last
 * said so. A purger of a shared cache (Varnish, a CDN) waits until every live follower has dropped a page
 * before it purges the page there: otherwise the proxy could fetch the old page again from a node that
 * still holds it, and keep it for hours.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('event_followers')
    .addColumn('follower', 'text', (c) => c.primaryKey())
    .addColumn('applied_id', 'bigint', (c) => c.notNull())
    .addColumn('seen_at', 'text', (c) => c.notNull())
    .execute();
}
