import type { Kysely, Transaction } from 'kysely';
import type { Schema } from '../db/schema.js';

type Q = Kysely<Schema> | Transaction<Schema>;

/** A follower that has not said anything for this long is taken for dead (its process stopped or was killed). */
export const FOLLOWER_SILENCE_MS = 15_000;

/** Records how far the follower `name` has applied the outbox (one upsert). */
export async function reportApplied(q: Q, name: string, appliedId: number, at: string): Promise<void> {
  await q
    .insertInto('event_followers')
    .values({ follower: name, applied_id: appliedId, seen_at: at })
    .onConflict((oc) => oc.column('follower').doUpdateSet({ applied_id: appliedId, seen_at: at }))
    .execute();
}

/** True when every live follower has applied the outbox up to `eventId`. */
export async function appliedByAll(q: Q, eventId: number, now = Date.now()): Promise<boolean> {
  const row = await q
    .selectFrom('event_followers')
    .select((eb) => eb.fn.min('applied_id').as('lowest'))
    .where('seen_at', '>', new Date(now - FOLLOWER_SILENCE_MS).toISOString())
    .executeTakeFirst();
  return row?.lowest == null || Number(row.lowest) >= eventId;
}

/** Forgets followers silent for a long time (processes that are gone). */
export async function pruneFollowers(q: Q, before: string): Promise<void> {
  await q.deleteFrom('event_followers').where('seen_at', '<', before).execute();
}
