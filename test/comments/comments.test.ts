import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serverSecret } from '../../src/accounts/secret.js';
import { erasePersonalData, exportPersonalData } from '../../src/comments/privacy.js';
import { type CommentInput, CommentService } from '../../src/comments/service.js';
import { ensureAuthor, ensureCategory, saveArticle } from '../../src/content/service.js';
import { DEFAULT_SETTINGS, type SiteSettings } from '../../src/content/settings.js';
import { AppError } from '../../src/shared/errors.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

for (const dialect of DIALECTS) {
  describe(`comments on ${dialect}`, () => {
    let db: TestDatabase;
    let comments: CommentService;
    let clock = Date.parse('2026-11-26T10:00:00Z');
    let articleId: number;
    let ip = 0;
    const settings = (over: Partial<SiteSettings> = {}): SiteSettings => ({ ...DEFAULT_SETTINGS, ...over });
    /** A valid post: a fresh token 5 s old, from a new address each time unless told. */
    const post = async (over: Partial<CommentInput> = {}, from?: string, s = settings()) => {
      const token = comments.formToken(over.articleId ?? articleId);
      clock += 5000;
      return comments.submit(
        {
          articleId,
          name: 'قارئة',
          email: 'reader@example.com',
          url: '',
          body: `تعليق ${Math.random()}`,
          notify: false,
          token,
          honeypot: '',
          ...over,
        },
        { ip: from ?? `10.1.${Math.floor(ip / 250)}.${(ip++ % 250) + 1}` },
        s,
      );
    };
    const rejects = (p: Promise<unknown>, code: string, status: number) =>
      assert.rejects(p, (e: AppError) => e.code === code && e.status === status);

    before(async () => {
      db = await createTestDatabase(dialect);
      comments = new CommentService(db.db, await serverSecret(db.db), () => clock);
      const authorId = await ensureAuthor(db.db, { name: 'كاتب' });
      const categoryId = await ensureCategory(db.db, { name: 'سياسة' });
      articleId = await saveArticle(db.db, {
        title: 'مقال للتعليق',
        bodyHtml: '<p>نص</p>',
        status: 'published',
        publishedAt: '2026-11-20T00:00:00.000Z',
        authorId,
        categoryId,
      });
    });
    after(() => db.drop());

    test('a first-time commenter waits; once approved, the same address is approved at once', async () => {
      const first = await post({ email: 'New@Example.com' });
      assert.equal(first.comment.status, 'pending');
      assert.equal(first.comment.author_email, 'new@example.com');
      await comments.setStatus([first.comment.id], 'approved');
      const second = await post({ email: 'new@example.com' });
      assert.equal(second.comment.status, 'approved');
      const article = await db.db
        .selectFrom('articles')
        .select('comment_count')
        .where('id', '=', articleId)
        .executeTakeFirstOrThrow();
      assert.equal(article.comment_count, 2);
      assert.equal(
        (await post({ email: 'other@example.com' }, undefined, settings({ commentModeration: 'none' }))).comment.status,
        'approved',
      );
      assert.equal(
        (await post({ email: 'new@example.com' }, undefined, settings({ commentModeration: 'all' }))).comment.status,
        'pending',
      );
    });

    test('links, hold and spam lists (words, emails, IP ranges)', async () => {
      const known = 'new@example.com';
      assert.equal(
        (await post({ email: known, body: 'https://a.example https://b.example https://c.example' })).comment.status,
        'pending',
      );
      const lists = settings({
        commentHoldList: 'كلمة مريبة\n192.0.2.0/24',
        commentSpamList: 'spammer@bad.example\ncasino',
      });
      assert.equal(
        (await post({ email: known, body: 'فيه كلمة مريبة هنا' }, undefined, lists)).comment.status,
        'pending',
      );
      assert.equal((await post({ email: known }, '192.0.2.77', lists)).comment.status, 'pending');
      assert.equal((await post({ email: 'spammer@bad.example' }, undefined, lists)).comment.status, 'spam');
      assert.equal((await post({ email: known, body: 'Best CASINO online' }, undefined, lists)).comment.status, 'spam');
    });

    test('field rules, each naming its field', async () => {
      const cases: [Partial<CommentInput>, string][] = [
        [{ name: '  ' }, 'author'],
        [{ email: '' }, 'email'],
        [{ email: 'not-an-email' }, 'email'],
        [{ url: 'javascript:alert(1)' }, 'url'],
        [{ url: 'ftp://files.example' }, 'url'],
        [{ body: '   ' }, 'comment'],
      ];
      for (const [over, fieldName] of cases)
        await assert.rejects(post(over), (e: AppError) => e.status === 400 && e.field === fieldName);
      await rejects(post({ body: 'ب'.repeat(100_000) }), 'TOO_LARGE', 413);
      const ok = await post({ url: 'example.com/me' });
      assert.equal(ok.comment.author_url, 'https://example.com/me');
    });

    test('form tokens: forged, replayed, too fast, too old; honeypot; duplicates', async () => {
      const base = { articleId, name: 'ب', email: 'b@example.com', url: '', notify: false, honeypot: '' };
      await rejects(
        comments.submit({ ...base, body: 'x1', token: 'abc.1.forged' }, { ip: '10.9.0.1' }, settings()),
        'FORM_EXPIRED',
        400,
      );
      const token = comments.formToken(articleId);
      await rejects(comments.submit({ ...base, body: 'x2', token }, { ip: '10.9.0.2' }, settings()), 'TOO_FAST', 400);
      clock += 5000;
      await comments.submit({ ...base, body: 'x3', token }, { ip: '10.9.0.3' }, settings());
      await rejects(
        comments.submit({ ...base, body: 'x4', token }, { ip: '10.9.0.3' }, settings()),
        'FORM_EXPIRED',
        400,
      );
      const old = comments.formToken(articleId);
      clock += 25 * 3600_000;
      await rejects(
        comments.submit({ ...base, body: 'x5', token: old }, { ip: '10.9.0.4' }, settings()),
        'FORM_EXPIRED',
        400,
      );
      await rejects(post({ honeypot: 'http://spam.example' }), 'REJECTED', 400);
      await post({ email: 'dup@example.com', body: 'نفس النص' });
      await rejects(post({ email: 'dup@example.com', body: 'نفس النص' }), 'DUPLICATE', 409);
    });

    test('replies: same article, approved parent, nesting capped at the depth setting', async () => {
      const top = await post({ email: 'new@example.com' });
      assert.equal(top.comment.status, 'approved');
      const r1 = await post({ email: 'new@example.com', parentId: top.comment.id });
      const r2 = await post({ email: 'new@example.com', parentId: r1.comment.id });
      const r3 = await post({ email: 'new@example.com', parentId: r2.comment.id });
      assert.equal(r3.comment.parent_id, r1.comment.id, 'a fourth level joins the third (depth 3)');
      const pending = await post({ email: 'first-timer@example.com' });
      await assert.rejects(
        post({ email: 'new@example.com', parentId: pending.comment.id }),
        (e: AppError) => e.field === 'parent',
      );
      await comments.setStatus([top.comment.id], 'trash');
      await assert.rejects(
        post({ email: 'new@example.com', parentId: top.comment.id }),
        (e: AppError) => e.field === 'parent',
      );
      await assert.rejects(
        post({ email: 'new@example.com', parentId: 999_999 }),
        (e: AppError) => e.field === 'parent',
      );
      const { threads } = await comments.approvedThreads(articleId, 'oldest', 1, 100);
      assert.ok(
        threads.every((t) => t.id !== top.comment.id),
        'trashed comments leave the page',
      );
    });

    test('threads page by their top-level comment, oldest or newest first, replies kept with their thread', async () => {
      const before = (await comments.approvedThreads(articleId, 'oldest', 1, 1000)).threads.length;
      const tops: number[] = [];
      for (let i = 0; i < 5; i++) tops.push((await post({ email: 'new@example.com', body: `سلسلة ${i}` })).comment.id);
      await post({ email: 'new@example.com', parentId: tops[4], body: 'رد في السلسلة الأخيرة' });
      const total = before + 5;
      const pageSize = 2;
      const oldest = await comments.approvedThreads(articleId, 'oldest', 1, pageSize);
      assert.equal(oldest.pages, Math.ceil(total / pageSize));
      const newest = await comments.approvedThreads(articleId, 'newest', 1, pageSize);
      assert.deepEqual(
        newest.threads.map((t) => t.id),
        [tops[4], tops[3]],
      );
      assert.deepEqual(
        newest.threads[0]!.replies.map((r) => r.body),
        ['رد في السلسلة الأخيرة'],
      );
      const last = await comments.approvedThreads(articleId, 'oldest', oldest.pages, pageSize);
      assert.equal(last.threads.at(-1)!.id, tops[4]);
    });

    test('closed articles refuse comments: per article, site-wide, and after N days', async () => {
      await rejects(post({}, undefined, settings({ commentsEnabled: false })), 'COMMENTS_CLOSED', 403);
      await rejects(post({}, undefined, settings({ commentsCloseAfterDays: 3 })), 'COMMENTS_CLOSED', 403);
      await db.db.updateTable('articles').set({ comments_open: 0 }).where('id', '=', articleId).execute();
      await rejects(post(), 'COMMENTS_CLOSED', 403);
      await db.db.updateTable('articles').set({ comments_open: 1 }).where('id', '=', articleId).execute();
    });

    test('rate limits: per address, then site-wide; refusals are 429', async () => {
      const from = '10.200.0.1';
      let refused = 0;
      for (let i = 0; i < 12; i++) {
        try {
          await post({ email: `r${i}@example.com` }, from);
        } catch (e) {
          assert.equal((e as AppError).status, 429);
          refused++;
        }
      }
      assert.ok(refused >= 7, `refused ${refused}`);
      assert.equal((await post({ email: 'someone.else@example.com' }, '10.201.0.1')).comment.status, 'pending');
    });

    test('privacy export and erase by email; IP addresses are never stored', async () => {
      const data = await exportPersonalData(db.db, 'NEW@example.com');
      assert.ok(data.comments.length >= 3);
      const ips = await db.db.selectFrom('comments').select('ip_hash').execute();
      assert.ok(ips.every((r) => !/\d+\.\d+\.\d+\.\d+/.test(r.ip_hash)));
      const erased = await erasePersonalData(db.db, 'new@example.com');
      assert.equal(erased.comments, data.comments.length);
      assert.equal((await exportPersonalData(db.db, 'new@example.com')).comments.length, 0);
      const count = await db.db
        .selectFrom('articles')
        .select('comment_count')
        .where('id', '=', articleId)
        .executeTakeFirstOrThrow();
      const approved = await db.db
        .selectFrom('comments')
        .select('id')
        .where('article_id', '=', articleId)
        .where('status', '=', 'approved')
        .execute();
      assert.equal(count.comment_count, approved.length);
    });
  });
}
