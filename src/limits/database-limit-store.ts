import type { DB } from '../db/database.js';
import type { Counter, LimitRule, LimitStore } from './limit-store.js';

/**
 * Limits in the database (`auth_throttle`), shared by every process and node
 * on it. A hit is one `INSERT … ON CONFLICT DO UPDATE … RETURNING`: the
 * database serialises concurrent hits on one key, so none is lost, on SQLite
 * and on PostgreSQL alike. Times are ISO UTC strings, compared as text.
 */
export class DatabaseLimitStore implements LimitStore {
  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(key: string, rule: LimitRule): Promise<Counter> {
    const nowMs = this.now();
    const now = new Date(nowMs).toISOString();
    const lockUntil = new Date(nowMs + rule.lockMs).toISOString();
    // A window older than this has passed (a date before any stored one when windows never end).
    const windowStart = Number.isFinite(rule.windowMs) ? new Date(nowMs - rule.windowMs).toISOString() : '0000';
    const row = await this.db
      .insertInto('auth_throttle')
      .values({ key, failures: 1, window_started_at: now, locked_until: rule.limit <= 1 ? lockUntil : null })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => {
          const expired = eb.or([
            eb.and([eb('auth_throttle.locked_until', 'is not', null), eb('auth_throttle.locked_until', '<=', now)]),
            eb('auth_throttle.window_started_at', '<', windowStart),
          ]);
          const next = eb('auth_throttle.failures', '+', 1);
          return {
            failures: eb.case().when(expired).then(1).else(next).end(),
            window_started_at: eb.case().when(expired).then(now).else(eb.ref('auth_throttle.window_started_at')).end(),
            locked_until: eb
              .case()
              .when(expired)
              .then(rule.limit <= 1 ? lockUntil : null)
              .when(eb.and([eb(next, '>=', rule.limit), eb('auth_throttle.locked_until', 'is', null)]))
              .then(lockUntil)
              .else(eb.ref('auth_throttle.locked_until'))
              .end(),
          };
        }),
      )
      .returning(['failures', 'locked_until'])
      .executeTakeFirstOrThrow();
    return { count: Number(row.failures), lockedUntil: row.locked_until };
  }

  async isLocked(key: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('auth_throttle')
      .select('locked_until')
      .where('key', '=', key)
      .executeTakeFirst();
    return Boolean(row?.locked_until && row.locked_until > new Date(this.now()).toISOString());
  }

  async reset(key: string): Promise<void> {
    await this.db.deleteFrom('auth_throttle').where('key', '=', key).execute();
  }
}
