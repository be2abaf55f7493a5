import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@redis/client';
import { serverSecret } from '../../src/accounts/secret.js';
import { ACCOUNT_FAILURE_LIMIT } from '../../src/accounts/service.js';
import { CommentService, IP_ATTEMPTS_PER_MINUTE, IP_COMMENTS_PER_10_MIN } from '../../src/comments/service.js';
import type { Dialect } from '../../src/db/dialect.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { editorOn } from '../helpers/newsroom.js';
import { postForm, serveProcess } from '../helpers/processes.js';

/**
 * Limits count for the whole site, not per process: two `safir serve` processes on one database share the
 * sign-in lockout and the comment limits, kept in the database or (REDIS_URL) in Redis, one atomic step per
 * event, so that parallel requests split over the nodes count exactly.
 */

const REDIS_URL = process.env.SAFIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A sign-in attempt over HTTP, as a browser makes it: the form page for its token, then the post. */
async function signInAttempt(base: string, email: string, password: string): Promise<number> {
  const page = await fetch(`${base}/admin/sign-in`);
  const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const res = await fetch(`${base}/admin/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email, password }),
  });
  await res.text();
  return res.status;
}

const stores: { dialect: Dialect; redis: boolean }[] = [
  ...DIALECTS.map((dialect) => ({ dialect, redis: false })),
  // Redis is how several nodes on PostgreSQL share limits without a write to the database per request.
  { dialect: 'postgres', redis: true },
];

for (const { dialect, redis } of stores) {
  describe(`limits shared by two nodes on ${dialect}, counted in ${redis ? 'Redis' : 'the database'}`, () => {
    let db: TestDatabase;
    const children: ChildProcess[] = [];
    const bases: string[] = [];
    const prefix = `safir-test-${randomBytes(4).toString('hex')}:`;
    let redisClient: ReturnType<typeof createClient> | undefined;
    let articleId: number;
    let articlePath: string;

    before(async () => {
      db = await createTestDatabase(dialect);
      const { actor, editorial, categoryId } = await editorOn(db.db, 'target@safir.test', 'the right password');
      articleId = await editorial.save(
        actor,
        undefined,
        { title: 'مقال للتعليق', bodyHtml: '<p>نص</p>', categoryId },
        'publish',
      );
      articlePath = `/article/${encodeURIComponent((await editorial.article(articleId)).slug)}`;
      const env: Record<string, string> = redis ? { REDIS_URL, REDIS_PREFIX: prefix } : {};
      for (let i = 0; i < 2; i++) {
        const { child, base } = await serveProcess(db.url, `${db.dir}/media`, env);
        children.push(child);
        bases.push(base);
      }
      if (redis) {
        redisClient = createClient({ url: REDIS_URL });
        await redisClient.connect();
      }
    });
    after(async () => {
      for (const c of children) c.kill('SIGKILL');
      if (redisClient) {
        for (const key of await redisClient.keys(`${prefix}*`)) await redisClient.del(key);
        await redisClient.close();
      }
      await db.drop();
    });

    /** What the store holds for a key: the row of `auth_throttle`, or the hash in Redis. */
    async function counted(key: string): Promise<number> {
      if (redisClient) return Number((await redisClient.hGet(`${prefix}limit:${key}`, 'failures')) ?? 0);
      const row = await db.db.selectFrom('auth_throttle').select('failures').where('key', '=', key).executeTakeFirst();
      return Number(row?.failures ?? 0);
    }

    test('100 parallel wrong passwords split over the two nodes count exactly 100 and lock the account on both', async () => {
      const statuses = await Promise.all(
        Array.from({ length: 100 }, (_, i) => signInAttempt(bases[i % 2]!, 'target@safir.test', `wrong ${i}`)),
      );
      assert.ok(
        statuses.every((s) => s === 401 || s === 429),
        `every attempt refused: ${[...new Set(statuses)]}`,
      );
      assert.equal(await counted('account:target@safir.test'), 100);
      assert.ok(100 >= ACCOUNT_FAILURE_LIMIT);
      for (const base of bases)
        assert.equal(
          await signInAttempt(base, 'target@safir.test', 'the right password'),
          429,
          `${base} knows the lock`,
        );
    });

    test('comment limits hold across nodes: parallel comments from one address store exactly the allowed number', async () => {
      // Valid form tokens, old enough to pass the "faster than a person" check, one per comment.
      const secret = await serverSecret(db.db);
      const issued = Date.now() - 10_000;
      const tokens = Array.from({ length: IP_ATTEMPTS_PER_MINUTE + 4 }, (_, i) =>
        new CommentService(db.db, secret, () => issued - i).formToken(articleId),
      );
      const results = await Promise.all(
        tokens.map((token, i) =>
          postForm(
            bases[i % 2]!,
            `${articlePath}/comments`,
            { author: 'قارئ', email: `r${i}@example.com`, comment: `تعليق رقم ${i}`, token },
            '127.0.0.77',
          ),
        ),
      );
      const statuses = results.map((r) => r.status);
      assert.ok(
        statuses.every((s) => s === 303 || s === 429),
        `stored or refused for the rate: ${statuses.join(' ')}`,
      );
      const stored = await db.db
        .selectFrom('comments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('article_id', '=', articleId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(stored.n), IP_COMMENTS_PER_10_MIN, 'exactly the per-address limit was stored');
      assert.equal(statuses.filter((s) => s === 303).length, IP_COMMENTS_PER_10_MIN);
    });
  });
}

test('Redis unreachable: the site starts and serves readers; sign-in is refused at once with a 503, never hung', async () => {
  const { startSite } = await import('../helpers/server.js');
  const { freePort } = await import('../helpers/varnish.js');
  const started = Date.now();
  const site = await startSite('sqlite', { app: { redisUrl: `redis://127.0.0.1:${await freePort()}`, logger: false } });
  try {
    assert.ok(Date.now() - started < 15_000, `started in ${Date.now() - started} ms`);
    assert.equal((await fetch(site.base + '/')).status, 200, 'the reading site counts nothing and is unaffected');
    const t = Date.now();
    const status = await signInAttempt(site.base, 'someone@safir.test', 'a wrong password');
    assert.equal(status, 503);
    assert.ok(Date.now() - t < 3000, `refused in ${Date.now() - t} ms`);
  } finally {
    await site.close();
  }
});
