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

  async forgive(key: string): Promise<void> {
    await this.db
      .updateTable('auth_throttle')
      .set((eb) => ({ failures: eb('failures', '-', 1) }))
      .where('key', '=', key)
      .where('failures', '>', 0)
      .execute();
  }

  /** Drops counters nobody has added to for `olderThanMs` and that hold no lock: the table stays small. */
  async prune(olderThanMs: number): Promise<number> {
    const now = new Date(this.now()).toISOString();
    const before = new Date(this.now() - olderThanMs).toISOString();
    const r = await this.db
      .deleteFrom('auth_throttle')
      .where('window_started_at', '<', before)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async reset(key: string): Promise<void> {
    await this.db.deleteFrom('auth_throttle').where('key', '=', key).execute();
  }
}
