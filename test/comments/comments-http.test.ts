import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createStaff, PASSWORD, signIn } from '../helpers/admin.js';
import { getFresh, startSite, type TestSite } from '../helpers/server.js';
import { mailText, startSmtp } from '../helpers/smtp.js';
import { postForm } from '../helpers/processes.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('comments over HTTP', () => {
  let site: TestSite;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let slug: string;
  let articlePath: string;
  before(async () => {
    smtp = await startSmtp();
    site = await startSite('sqlite', { app: { smtpUrl: smtp.url } });
    await createStaff(site);
    slug = (await site.services.content.lead())!.slug;
    articlePath = `/article/${encodeURIComponent(slug)}`;
  });
  after(async () => {
    await site.close();
    await smtp.close();
  });

  /** Fresh form tokens, aged past the too-fast limit. */
  async function tokens(n: number, path = articlePath): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++)
      out.push(((await (await fetch(`${site.base}${path}/comments/token`)).json()) as { token: string }).token);
    await wait(3100);
    return out;
  }

  const postFrom = (address: string, path: string, fields: Record<string, string>, accept = 'text/html') =>
    postForm(site.base, path, fields, address, accept);

  const form = (over: Record<string, string>) => ({
    author: 'قارئ',
    email: 'reader@example.com',
    url: '',
    comment: `تعليق ${Math.random()}`,
    ...over,
  });

  test('bad input: each answered with a clear message and a 4xx, nothing stored, the text kept', async () => {
    const before = await site.db.db.selectFrom('comments').select('id').execute();
    const [t1, t2, t3, t4, t5, t6, t7, t8] = await tokens(8);
    const other = await site.services.content.listPublished(
      { excludeIds: [(await site.services.content.lead())!.id] },
      { limit: 1, offset: 0 },
    );
    const cases: [Record<string, string>, number, RegExp, string?][] = [
      [form({ author: '', token: t1! }), 400, /الاسم مطلوب/, 'id="author-error"'],
      [form({ email: '', token: t2! }), 400, /البريد الإلكتروني مطلوب/, 'id="email-error"'],
      [form({ comment: '', token: t3! }), 400, /اكتب تعليقك/, 'id="comment-error"'],
      [form({ email: 'not@valid', token: t4! }), 400, /غير صالح/, 'id="email-error"'],
      [form({ url: 'javascript:alert(1)', token: t5! }), 400, /http/, 'id="url-error"'],
      [form({ comment: 'ت'.repeat(100_000), token: t6! }), 413, /أطول/],
      [form({ token: 'forged.1.token' }), 400, /انتهت صلاحية النموذج/],
      [form({ parent: '999999', token: t7! }), 400, /الذي ترد عليه غير موجود/],
    ];
    let n = 0;
    for (const [fields, status, message, marker] of cases) {
      // Each from its own address, so that the per-address attempt limit stays out of this test.
      const res = await postFrom(`127.0.2.${++n}`, `${articlePath}/comments`, fields);
      assert.equal(res.status, status, `${JSON.stringify(fields).slice(0, 80)}: ${res.status}`);
      assert.match(res.text, message);
      if (marker) assert.ok(res.text.includes(marker), `message beside its field (${marker})`);
      if (fields.comment && fields.comment.length < 1000)
        assert.ok(res.text.includes(fields.comment), 'the reader’s text is kept');
    }
    // A reply to a comment on another article.
    const elsewhere = await site.db.db
      .insertInto('comments')
      .values({
        article_id: other[0]!.id,
        parent_id: null,
        user_id: null,
        author_name: 'x',
        author_email: 'x@example.com',
        author_url: '',
        body: 'x',
        status: 'approved',
        ip_hash: 'x',
        notify_replies: 0,
        created_at: new Date().toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const cross = await postFrom(
      '127.0.3.1',
      `${articlePath}/comments`,
      form({ parent: String(elsewhere.id), token: t8! }),
    );
    assert.equal(cross.status, 400);
    // A replayed token: accepted once, refused the second time.
    const [t9] = await tokens(1);
    assert.equal((await postFrom('127.0.3.2', `${articlePath}/comments`, form({ token: t9! }))).status, 303);
    const replay = await postFrom('127.0.3.2', `${articlePath}/comments`, form({ token: t9! }));
    assert.equal(replay.status, 400);
    // A closed article.
    const lead = (await site.services.content.lead())!;
    await site.db.db.updateTable('articles').set({ comments_open: 0 }).where('id', '=', lead.id).execute();
    const [t10] = await tokens(1);
    const closed = await postFrom('127.0.3.3', `${articlePath}/comments`, form({ token: t10! }), 'application/json');
    assert.equal(closed.status, 403);
    assert.equal((JSON.parse(closed.text) as { errors: { code: string }[] }).errors[0]!.code, 'COMMENTS_CLOSED');
    await site.db.db.updateTable('articles').set({ comments_open: 1 }).where('id', '=', lead.id).execute();
    const after = await site.db.db.selectFrom('comments').select('id').execute();
    assert.equal(after.length, before.length + 2, 'only the cross-article fixture and the one accepted post');
  });

  test('a held comment emails the moderators; an approved reply emails a reader who asked', async () => {
    smtp.mails.length = 0;
    const [t1] = await tokens(1);
    const res = await postFrom(
      '127.0.0.3',
      `${articlePath}/comments`,
      form({ email: 'asker@example.com', comment: 'سؤال للكاتب', notify: '1', token: t1! }),
    );
    assert.equal(res.status, 303);
    // Its writer sees it through the signed link, on a page no cache keeps; others do not see it.
    const own = await fetch(site.base + res.location!);
    assert.equal(own.headers.get('cache-control'), 'private, no-store');
    assert.match(await own.text(), /سؤال للكاتب/);
    assert.doesNotMatch(await (await fetch(site.base + articlePath)).text(), /سؤال للكاتب/);
    const about = () => smtp.mails.filter((m) => mailText(m.raw).includes('سؤال للكاتب'));
    for (let i = 0; i < 100 && about().length < 2; i++) await wait(20);
    assert.deepEqual(
      about()
        .flatMap((m) => m.to)
        .sort(),
      ['administrator@safir.test', 'editor@safir.test'],
    );

    smtp.mails.length = 0;
    const editor = await signIn(site, 'editor@safir.test', PASSWORD);
    const id = Number(/c=(\d+)/.exec(res.location!)![1]);
    const reply = await editor.request('POST', `/admin/comments/${id}/reply`, {
      _csrf: editor.csrf,
      body: 'شكراً على سؤالك',
    });
    assert.equal(reply.status, 303);
    const replies = () => smtp.mails.filter((m) => mailText(m.raw).includes('شكراً على سؤالك'));
    for (let i = 0; i < 100 && replies().length < 1; i++) await wait(20);
    assert.deepEqual(
      replies().map((m) => m.to[0]),
      ['asker@example.com'],
    );
    // The page was cached above: the first request after the reply may still get that copy while it re-renders.
    const page = (await getFresh(site, articlePath)).text;
    assert.match(page, /class="comment comment-staff"/, 'the staff reply is marked');
  });

  test('signed-in staff comment from the article form as themselves, published and marked', async () => {
    const editor = await signIn(site, 'editor@safir.test', PASSWORD);
    const res = await editor.request('POST', `${articlePath}/comments`, {
      comment: 'توضيح من التحرير',
      author: '',
      email: '',
    });
    assert.equal(res.status, 303, res.text.slice(0, 200));
    const row = await site.db.db
      .selectFrom('comments')
      .selectAll()
      .where('body', '=', 'توضيح من التحرير')
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'approved');
    assert.equal(row.author_email, 'editor@safir.test');
    assert.ok(row.user_id);
  });

  test('a burst of 1,000 posts from one address is refused with 429 while another reader still posts', async () => {
    const valid = await tokens(12);
    const results: number[] = [];
    let message = '';
    for (let i = 0; i < 1000; i++) {
      const res = await postFrom(
        '127.0.0.4',
        `${articlePath}/comments`,
        form({ email: `burst${i}@example.com`, token: valid[i % valid.length]! }),
      );
      results.push(res.status);
      if (res.status === 429 && !message) message = res.text;
    }
    const refused = results.filter((s) => s === 429).length;
    assert.ok(refused >= 985, `refused ${refused} of 1000`);
    assert.ok(!results.some((s) => s >= 500), 'no 5xx');
    assert.match(message, /تعليقات كثيرة في وقت قصير/);
    const stored = await site.db.db
      .selectFrom('comments')
      .select('id')
      .where('author_email', 'like', 'burst%')
      .execute();
    assert.ok(stored.length <= 10, `stored ${stored.length}`);
    const [t] = await tokens(1);
    const normal = await postFrom(
      '127.0.0.5',
      `${articlePath}/comments`,
      form({ email: 'calm@example.com', token: t! }),
    );
    assert.equal(normal.status, 303, 'a reader at another address is not affected');
  });

  test('no email address, nor any MD5/SHA hash of one, appears anywhere public', async () => {
    const editor = await signIn(site, 'editor@safir.test', PASSWORD);
    const emails = ['zainab.distinct+1@example.org', 'omar.UNIQUE@example.net'];
    for (const [i, email] of emails.entries()) {
      const [t] = await tokens(1);
      const res = await postFrom(
        `127.0.1.${i + 1}`,
        `${articlePath}/comments`,
        form({ email, url: 'https://omar.example', comment: `تعليق خاص ${i}`, token: t! }),
      );
      const id = Number(/c=(\d+)/.exec(res.location!)![1]);
      await editor.request('POST', `/admin/comments/${id}/status`, { _csrf: editor.csrf, action: 'approve' });
    }
    site.services.pageCache.clear();
    const needles = emails.flatMap((e) => {
      const forms = [e, e.toLowerCase(), e.trim().toLowerCase()];
      return forms.flatMap((f) => [
        f,
        ...['md5', 'sha1', 'sha256', 'sha512'].map((h) => createHash(h).update(f).digest('hex')),
      ]);
    });
    const seen = new Set<string>();
    const queue = [
      '/',
      '/sitemap.xml',
      '/feed',
      '/feed/atom',
      '/feed/json',
      '/comments/feed',
      `${articlePath}/comments/feed`,
      `/api/v1/articles/${encodeURIComponent(slug)}/comments`,
      '/api/v1/articles',
      `/api/v1/articles/${encodeURIComponent(slug)}`,
      '/api/v1/search?q=تعليق',
      '/api/v1/categories',
      '/robots.txt',
    ];
    let fetched = 0;
    while (queue.length && fetched < 400) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await fetch(site.base + path);
      const body = await res.text();
      fetched++;
      for (const n of needles)
        assert.ok(!body.toLowerCase().includes(n.toLowerCase()), `${path} leaks ${n.slice(0, 12)}…`);
      for (const m of body.matchAll(/(?:href|src)="([^"#]+)"|<loc>([^<]+)<\/loc>/g)) {
        const raw = (m[1] ?? m[2])!.replace(/&amp;/g, '&');
        const u = new URL(raw, site.base);
        if (
          u.origin !== site.base ||
          u.pathname.startsWith('/admin') ||
          u.pathname.startsWith('/assets/') ||
          u.pathname.startsWith('/media/')
        )
          continue;
        queue.push(u.pathname + u.search);
      }
    }
    assert.ok(fetched > 40, `crawled ${fetched} URLs`);
    assert.ok(seen.has(`${articlePath}`) || [...seen].some((p) => p.startsWith('/article/')));
  });
});
