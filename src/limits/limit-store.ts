/**
 * Counting events per key, exactly, across every process and node: failed
 * sign-ins per account and per address, wrong second-factor codes, and the
 * like. Each `hit` is one atomic step in the store (one SQL upsert, or one
 * Redis script), so a hundred parallel requests count a hundred. Guard an
 * expensive check by counting first and checking the returned count: an
 * attempt is refused as soon as it is over the limit, however many run at once.
 */
export interface LimitRule {
  /** The count at which the key locks. */
  limit: number;
  /** How long a counting window lasts (ms); Infinity counts "in a row" until `reset`. */
  windowMs: number;
  /** How long the key stays locked once the limit is reached (ms); a lock also ends when its window passes. */
  lockMs: number;
}

export interface Counter {
  /** Events counted in the current window (including this one, for `hit`). */
  count: number;
  /** ISO UTC time the lock ends, or null when the key is not locked. */
  lockedUntil: string | null;
}

export interface LimitStore {
  /** Counts one event; a new window starts when the last has passed or its lock has ended. */
  hit(key: string, rule: LimitRule): Promise<Counter>;

  /** Takes back one counted event (an attempt counted before it was known to succeed). */
  forgive(key: string): Promise<void>;
  /** Drops counters untouched for `olderThanMs` that hold no lock; returns how many. */
  prune(olderThanMs: number): Promise<number>;
  /** Forgets the key (after a successful sign-in, say). */
  reset(key: string): Promise<void>;
}
