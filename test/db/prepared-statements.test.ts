import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';

// PostgreSQL only: SQLite statements are prepared and kept by the driver (database.ts) and plans are not cached.
describe('PostgreSQL: the app statements are prepared once per connection', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase('postgres');
  });
  after(() => database.drop());

  test('a repeated query runs as a named prepared statement, and its results are right', async () => {
    await database.db.transaction().execute(async (trx) => {
      for (let i = 1; i <= 3; i++) {
        const row = await trx
          .selectFrom('settings')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('key', '=', `missing-${i}`)
          .executeTakeFirstOrThrow();
        assert.equal(Number(row.n), 0);
      }
      // The same connection (one transaction): the statement was prepared there, once.
      const prepared = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(trx);
      const counts = prepared.rows.filter((r) => r.statement.includes('"key" = $1'));
      assert.equal(counts.length, 1, 'one prepared statement for the three runs');
    });
  });

  test('a table changed under a kept plan: the statement is re-run, not failed', async () => {
    await database.db.transaction().execute(async (trx) => {
      // `select *` plans fix their result columns: a column added afterwards makes PostgreSQL refuse the old plan.
      const first = await trx.selectFrom('event_cursors').selectAll().execute();
      assert.equal(first.length, 0);
    });
    await sql`alter table event_cursors add column probe integer`.execute(database.db);
    try {
      // The pool may hand out any connection; run enough to meet the one that holds the old plan.
      for (let i = 0; i < 12; i++) {
        const rows = await database.db.selectFrom('event_cursors').selectAll().execute();
        assert.equal(rows.length, 0);
      }
    } finally {
      await sql`alter table event_cursors drop column probe`.execute(database.db);
    }
  });
});
