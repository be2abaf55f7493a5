import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serverSecret } from '../../src/accounts/secret.js';
import { AccountService, SESSION_MS } from '../../src/accounts/service.js';
import { CommentService, MAX_FORM_AGE_MS } from '../../src/comments/service.js';
import { seedDemoContent } from '../../src/content/demo/seed.js';
import { reportApplied } from '../../src/events/followers.js';
import { RETENTION, runRetention } from '../../src/jobs/retention.js';
import { DatabaseLimitStore } from '../../src/limits/database-limit-store.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

const DAY_MS = 24 * 3600_000;
const DAYS = 430; // past every retention period, the longest (read counts) included
/** A day of a busy site's traffic, as these tables see it. */
const PER_DAY = {
  signIns: 6,
  resets: 2,
  failedSignIns: 10,
  commentForms: 60,
  events: 120,
  processes: 2,
  articlesRead: 150,
};

for (const dialect of DIALECTS) {
  describe(`tables that grow with traffic stay bounded over a simulated year and more (${dialect})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(dialect);
      await seedDemoContent(database, `${database.dir}/media`);
    });
    after(() => database.drop());

    test(`${DAYS} days of sign-ins, limits, comment forms, outbox events, restarts and reads, pruned daily`, async () => {
      const db = database.db;
      const start = Date.parse('2026-01-01T00:00:00.000Z');
      let clock = start;
      const now = () => clock;
      const secret = await serverSecret(db);
      const limits = new DatabaseLimitStore(db, now);
      const accounts = new AccountService(db, secret, now, limits);
      const comments = new CommentService(db, secret, now, limits);
      const user = await accounts.createUser({
        email: 'editor@retention.test',
        name: 'محرر',
        role: 'editor',
        password: 'a long test password',
      });
      const articleIds = (await db.selectFrom('articles').select('id').execute()).map((r) => r.id);
      let event = 0;
      for (let day = 0; day < DAYS; day++) {
        clock = start + day * DAY_MS + 9 * 3600_000;
        const iso = new Date(clock).toISOString();
        for (let i = 0; i < PER_DAY.signIns; i++) await accounts.createSession(user.id, 'Firefox');
        for (let i = 0; i < PER_DAY.resets; i++) await accounts.createResetToken(user.id);
        const rule = { limit: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };
        for (let i = 0; i < PER_DAY.failedSignIns; i++) await limits.hit(`signin:198.51.100.${i}:${day}`, rule);
        await db
          .insertInto('comment_tokens')
          .values(Array.from({ length: PER_DAY.commentForms }, (_, i) => ({ token_hash: `${day}-${i}`, used_at: iso })))
          .execute();
        await db
          .insertInto('events')
          .values(
            Array.from({ length: PER_DAY.events }, () => ({
              type: 'article.updated',
              keys: `article:${(event++ % 50) + 1}`,
              payload: '{}',
              created_at: iso,
            })),
          )
          .execute();
        for (let p = 0; p < PER_DAY.processes; p++) await reportApplied(db, `node-${day}-${p}`, event, iso);
        const read = articleIds
          .slice(0, PER_DAY.articlesRead)
          .map((id) => ({ article_id: id, day: iso.slice(0, 10), views: 10 }));
        await db.insertInto('article_views').values(read).execute();
        await runRetention(db, { accounts, comments }, clock);
      }

      const count = async (
        table:
          | 'sessions'
          | 'password_resets'
          | 'auth_throttle'
          | 'comment_tokens'
          | 'events'
          | 'event_followers'
          | 'article_views',
      ) =>
        Number(
          (
            await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const days = (ms: number) => Math.ceil(ms / DAY_MS) + 1; // whole days kept, and today's
      const readsPerDay = Math.min(PER_DAY.articlesRead, articleIds.length);
      const bounds = {
        sessions: PER_DAY.signIns * days(SESSION_MS),
        password_resets: PER_DAY.resets * days(3600_000),
        auth_throttle: PER_DAY.failedSignIns * days(DAY_MS),
        comment_tokens: PER_DAY.commentForms * days(MAX_FORM_AGE_MS),
        // No consumer holds a cursor here, so every event counts as handled: the 7-day rule applies.
        events: PER_DAY.events * days(RETENTION.handledEventsMs),
        event_followers: PER_DAY.processes * days(RETENTION.followersMs),
        article_views: readsPerDay * days(RETENTION.viewsMs),
      };
      const report: string[] = [];
      for (const [table, bound] of Object.entries(bounds) as [keyof typeof bounds, number][]) {
        const n = await count(table);
        report.push(`${table} ${n} (bound ${bound})`);
        assert.ok(n <= bound, `${table}: ${n} rows after a year, bound ${bound}`);
      }
      console.log(`${dialect}, after ${DAYS} days: ${report.join(', ')}`);
      // The bounds are reached, not met by an empty table: the year's rows are there up to them.
      assert.ok((await count('article_views')) >= readsPerDay * 399, 'read counts of the last 400 days are kept');
      assert.ok((await count('sessions')) >= PER_DAY.signIns * 13, 'live sessions are kept');
    });
  });
}
