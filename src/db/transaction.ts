import type { Transaction } from 'kysely';
import type { DB } from './database.js';
import type { Schema } from './schema.js';

/**
 * Errors that mean "another writer got there first": a unique key taken
 * between our check and our insert (a slug, a tag name, an email), or a
 * PostgreSQL serialization failure or deadlock. Running the whole
 * transaction again sees the other writer's row and decides afresh.
 */
export function isWriteRace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === '23505' || // PostgreSQL unique_violation
    code === '40001' || // serialization_failure
    code === '40P01' || // deadlock_detected
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/**
 * Runs `work` in one transaction, and again (up to `attempts` times) when it
 * lost a race to a concurrent writer. Check-then-insert code (a free slug,
 * an unused tag name) stays simple and is still correct under concurrency:
 * the unique index decides, the retry re-checks. `work` must only touch the
 * database, since it may run more than once.
 */
export async function writeTransaction<T>(
  db: DB,
  work: (trx: Transaction<Schema>) => Promise<T>,
  attempts = 12,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (err) {
      if (attempt >= attempts || !isWriteRace(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, attempt * 10 * Math.random()));
    }
  }
}
