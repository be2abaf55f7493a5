import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The outbox: every change that others must hear of (page caches on every
 * node, CDN purges, webhooks, newsletters) is a row here, written in the same
 * transaction as the change. Ids only grow (AUTOINCREMENT on SQLite, a
 * sequence on PostgreSQL), so a follower's cursor is a number. `job_leases`
 * lets one process of the whole site run a job (the scheduler, a purger).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('type', 'text', (c) => c.notNull())
    // Cache keys the change touches, space-separated; a key with a leading `!` must not be served stale.
    .addColumn('keys', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_created').on('events').column('created_at').execute();
  await db.schema
    .createTable('job_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('event_cursors')
    .addColumn('consumer', 'text', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull())
    .execute();
}
