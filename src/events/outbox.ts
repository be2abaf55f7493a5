import type { Kysely, Transaction } from 'kysely';
import { notifyOutbox } from '../db/dialect.js';
import type { Schema } from '../db/schema.js';

type Q = Kysely<Schema> | Transaction<Schema>;

/**
 * What can happen that someone else must hear of. Each type names its
 * consumers (see `EVENT_TYPES`); a test checks that every type emitted in
 * code is listed here, and that the page cache follows them all.
 */
export const EVENT_TYPES = {
  'article.published': 'an article became public (published, or its scheduled time came)',
  'article.updated': 'a public article changed (text, title, image, section, tags, flags)',
  'article.unpublished': 'a public article stopped being public (back to draft, or deleted)',
  'comments.changed': "an article's public comments changed (approved, edited, removed)",
  'page.changed': 'a static page changed',
  'media.changed': "an image's alt text or caption changed",
  'author.changed': "an author's public profile changed",
  'list.changed': 'a list others show changed by itself (the most-read box)',
  'site.changed': 'settings, sections, tags, accounts or an import: anything may show differently',
} as const;

export type EventType = keyof typeof EVENT_TYPES;

export interface ChangeEvent {
  type: EventType;
  /**
   * Cache keys whose output the change alters (see delivery/cache-keys.ts). A key written `!key` must not be
   * served stale even for a moment (an article taken down); the others may be, while their page re-renders.
   */
  keys: Iterable<string>;
  payload?: Record<string, unknown>;
}

export interface OutboxEvent {
  id: number;
  type: EventType;
  keys: string[];
  payload: Record<string, unknown>;
  createdAt: string;
}

/**
 * Records a change in the outbox, inside the caller's transaction: if the
 * change commits, every follower on every node hears of it (even one that
 * was down at the time, when it comes back); if it rolls back, nobody does.
 * A change that touches nothing shown publicly emits nothing.
 */
export async function emit(q: Q, event: ChangeEvent): Promise<void> {
  const keys = [...new Set(event.keys)];
  if (!keys.length) return;
  await q
    .insertInto('events')
    .values({
      type: event.type,
      keys: keys.join(' '),
      payload: JSON.stringify(event.payload ?? {}),
      created_at: new Date().toISOString(),
    })
    .execute();
  await notifyOutbox(q);
}

/** Reads the events after `afterId` (and any of `missing`), oldest first. */
export async function readEvents(q: Q, afterId: number, missing: number[], limit: number): Promise<OutboxEvent[]> {
  const rows = await q
    .selectFrom('events')
    .selectAll()
    .where((eb) => (missing.length ? eb.or([eb('id', '>', afterId), eb('id', 'in', missing)]) : eb('id', '>', afterId)))
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    type: r.type as EventType,
    keys: r.keys ? r.keys.split(' ') : [],
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    createdAt: r.created_at,
  }));
}

export async function lastEventId(q: Q): Promise<number> {
  const row = await q
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * Drops events older than `before` (ISO) that every durable consumer has handled, and any older than
 * `lastBefore` whatever the consumers say (a purger left stopped for a month must not keep the outbox growing;
 * it is told that it lost events and purges everything). The newest event stays, so ids never restart.
 */
export async function pruneEvents(q: Q, before: string, lastBefore = before): Promise<number> {
  const last = await lastEventId(q);
  const cursor = await q
    .selectFrom('event_cursors')
    .select((eb) => eb.fn.min('last_id').as('id'))
    .executeTakeFirst();
  const handled = cursor?.id == null ? last : Math.min(last, Number(cursor.id) + 1);
  const r = await q
    .deleteFrom('events')
    .where('id', '<', last)
    .where((eb) =>
      eb.or([eb('created_at', '<', lastBefore), eb.and([eb('created_at', '<', before), eb('id', '<', handled)])]),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
