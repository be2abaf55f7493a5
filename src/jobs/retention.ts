import type { AccountService } from '../accounts/service.js';
import type { CommentService } from '../comments/service.js';
import type { DB } from '../db/database.js';
import { pruneFollowers } from '../events/followers.js';
import { pruneEvents } from '../events/outbox.js';

const DAY_MS = 24 * 3600_000;

/**
 * How long the tables that grow with traffic keep their rows. ARCHITECTURE.md states the bound these give each
 * table; test/db/retention.test.ts runs a simulated year of traffic and checks them.
 */
export const RETENTION = {
  /** Outbox events every consumer has handled are kept this long (for a node catching up after a restart)… */
  handledEventsMs: 7 * DAY_MS,
  /** …and no event longer than this, handled or not (a consumer that far behind purges everything instead). */
  eventsMs: 30 * DAY_MS,
  /** A process that has not said how far it read the outbox for this long is gone. */
  followersMs: DAY_MS,
  /** Read counts per article per day: the most-read box needs a week; a year and a month serve comparisons. */
  viewsMs: 400 * DAY_MS,
} as const;

/**
 * Drops what no longer serves anyone, once an hour for the whole site (a SiteJob): expired sessions and reset
 * links, limit counters idle for a day, used comment-form tokens, handled outbox events, gone followers, and
 * read counts past their year.
 */
export async function runRetention(
  db: DB,
  parts: { accounts: AccountService; comments: CommentService },
  now = Date.now(),
): Promise<void> {
  const before = (ms: number) => new Date(now - ms).toISOString();
  await parts.accounts.purgeExpired();
  await parts.accounts.pruneThrottles();
  await parts.comments.pruneTokens();
  await pruneEvents(db, before(RETENTION.handledEventsMs), before(RETENTION.eventsMs));
  await pruneFollowers(db, before(RETENTION.followersMs));
  await pruneViews(db, before(RETENTION.viewsMs).slice(0, 10));
}

/** Days of read counts one run removes at most: years of backlog go a month an hour, never in one long statement. */
const VIEW_DAYS_PER_RUN = 31;

/** Removes read counts of days before `firstKept` (YYYY-MM-DD), one day per statement. */
async function pruneViews(db: DB, firstKept: string): Promise<void> {
  const days = await db
    .selectFrom('article_views')
    .select('day')
    .distinct()
    .where('day', '<', firstKept)
    .orderBy('day')
    .limit(VIEW_DAYS_PER_RUN)
    .execute();
  for (const { day } of days) await db.deleteFrom('article_views').where('day', '=', day).execute();
}
