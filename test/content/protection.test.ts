import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Actor } from '../../src/accounts/roles.js';
import type { Editorial } from '../../src/content/editorial.js';
import { DIALECTS } from '../helpers/databases.js';
import { editorOn } from '../helpers/newsroom.js';
import { signIn } from '../helpers/admin.js';
import { verifyPassword } from '../../src/accounts/password.js';
import { postForm } from '../helpers/processes.js';
import { get, getFresh, startSite, type TestSite } from '../helpers/server.js';

/**
 * Password-protected articles (content/protection.ts): until the password is given, the article's text is on no
 * public URL — its page (Open Graph and JSON-LD included), lists, feeds, search, sitemaps, the API — and its
 * comments are closed to readers; the right password shows it to that reader alone, never from a cache.
 */
const SECRET = 'زنجبيلية مخبأة في النص المحمي';
const SECRET_WORD = 'زنجبيلية';
/** A word of the text no URL below asks for (a search page repeats its query). */
const HIDDEN_WORD = 'مخبأة';
const EXCERPT = 'خلاصة سرية للمقال المحمي';
const PASSWORD = 'كلمة سر المقال';

for (const dialect of DIALECTS) {
  describe(`password-protected articles (${dialect})`, () => {
    let site: TestSite;
    let editorial: Editorial;
    let actor: Actor;
    let categoryId: number;
    let slug: string;
    let id: number;

    before(async () => {
      site = await startSite(dialect, { app: { outboxPollMs: 50 } });
      ({ editorial, actor, categoryId } = await editorOn(site.db.db, 'protect-editor@safir.test'));
      id = await editorial.save(
        actor,
        undefined,
        {
          title: 'تقرير الميزانية المحمي',
          excerpt: EXCERPT,
          bodyHtml: `<p>${SECRET}</p>`,
          categoryId,
          tagNames: ['ميزانية'],
          seoDescription: EXCERPT,
          password: PASSWORD,
        },
        'publish',
      );
      slug = (await site.db.db.selectFrom('articles').select('slug').where('id', '=', id).executeTakeFirstOrThrow())
        .slug;
    });
    after(() => site.close());

    const articlePath = () => `/article/${encodeURIComponent(slug)}`;
    /** The article's password form, posted as a browser would. */
    const unlock = (password: string) => postForm(site.base, `${articlePath()}/unlock`, { password });

    test('its text is on no public URL: page, Open Graph, lists, feeds, search, sitemaps, API', async () => {
      const enc = encodeURIComponent;
      const paths = [
        articlePath(),
        '/',
        `/category/${enc((await site.db.db.selectFrom('categories').select('slug').where('id', '=', categoryId).executeTakeFirstOrThrow()).slug)}`,
        `/tag/${enc('ميزانية')}`,
        '/feed',
        '/feed/atom',
        '/feed/json',
        '/sitemap.xml',
        '/sitemaps/articles-1.xml',
        `/search?q=${enc(SECRET_WORD)}`,
        `/search?q=${enc('الميزانية')}`,
        '/api/v1/articles',
        `/api/v1/articles/${enc(slug)}`,
        `/api/v1/search?q=${enc(SECRET_WORD)}`,
      ];
      for (const path of paths) {
        const res = await get(site, path);
        assert.ok(res.status < 500, `${path}: ${res.status}`);
        assert.ok(!res.text.includes(HIDDEN_WORD), `${path} shows the protected text`);
        assert.ok(!res.text.includes(EXCERPT), `${path} shows the protected excerpt`);
      }
      const page = await get(site, articlePath());
      assert.equal(page.status, 200);
      assert.match(page.text, /<h1 id="article-title">تقرير الميزانية المحمي<\/h1>/, 'the title stays public');
      assert.match(page.text, /<form class="unlock-form" method="post" action="[^"]+\/unlock">/);
      assert.ok(!page.text.includes('id="comments"'), 'no comments or comment form before the password');
      // Found by its title, with nothing of its text quoted; not found by its text.
      const found = await get(site, `/search?q=${enc('الميزانية')}`);
      assert.ok(found.text.includes('تقرير الميزانية المحمي'));
      const byText = await get(site, `/search?q=${enc(SECRET_WORD)}`);
      assert.ok(!byText.text.includes('تقرير الميزانية المحمي'), 'its text is not searched');
      const api = (await (await fetch(`${site.base}/api/v1/articles/${enc(slug)}`)).json()) as Record<string, unknown>;
      assert.equal(api.protected, true);
      assert.equal(api.html, '');
      assert.equal(api.excerpt, '');
    });

    test('a wrong password shows the form again with the reason; the right one shows the text to that reader only', async () => {
      const wrong = await unlock('ليست هي');
      assert.equal(wrong.status, 403);
      assert.equal(wrong.setCookie, undefined);
      assert.match(wrong.text, /role="alert">كلمة المرور غير صحيحة/);
      assert.ok(!wrong.text.includes(SECRET_WORD));

      const right = await unlock(PASSWORD);
      assert.equal(right.status, 303);
      assert.equal(right.location, articlePath());
      const cookie = right.setCookie ?? '';
      assert.match(cookie, new RegExp(`^safir_unlock_${id}=[^;]+; Path=${articlePath()};`));
      assert.match(cookie, /HttpOnly/);
      const pair = cookie.split(';')[0]!;

      const read = await get(site, articlePath(), { cookie: pair });
      assert.equal(read.status, 200);
      assert.ok(read.text.includes(SECRET), 'the text after the password');
      assert.equal(read.headers.get('cache-control'), 'private, no-store');
      assert.ok(read.text.includes('id="comments"'), 'comments open to a reader of the text');
      // The next reader without the cookie still gets the locked page (the cache never kept the text).
      const other = await get(site, articlePath());
      assert.ok(!other.text.includes(SECRET_WORD));
      // A forged cookie, or one for another article, unlocks nothing.
      const forged = await get(site, articlePath(), { cookie: `safir_unlock_${id}=${'A'.repeat(32)}` });
      assert.ok(!forged.text.includes(SECRET_WORD));

      // A new password ends every earlier unlock.
      await editorial.save(
        actor,
        id,
        {
          title: 'تقرير الميزانية المحمي',
          excerpt: EXCERPT,
          bodyHtml: `<p>${SECRET}</p>`,
          categoryId,
          tagNames: ['ميزانية'],
          password: 'كلمة سر أخرى',
        },
        'save',
      );
      const stale = await get(site, articlePath(), { cookie: pair });
      assert.ok(!stale.text.includes(SECRET_WORD), 'an old password’s cookie no longer unlocks');
    });

    test('its comments stay with readers of its text: no comment API, feed or site-wide feed entry', async () => {
      await site.db.db
        .insertInto('comments')
        .values({
          article_id: id,
          parent_id: null,
          user_id: null,
          author_name: 'قارئ قديم',
          author_email: 'old-reader@example.com',
          author_url: '',
          body: 'تعليق يقتبس أرقام الميزانية السرية',
          status: 'approved',
          ip_hash: 'x',
          notify_replies: 0,
          created_at: new Date().toISOString(),
        })
        .execute();
      const enc = encodeURIComponent;
      assert.equal((await get(site, `/api/v1/articles/${enc(slug)}/comments`)).status, 403);
      assert.equal((await get(site, `${articlePath()}/comments/feed`)).status, 403);
      const feed = await get(site, '/comments/feed');
      assert.equal(feed.status, 200);
      assert.ok(!feed.text.includes('أرقام الميزانية السرية'), 'not in the site’s comment feed');
    });

    test('wrong passwords are counted per address: the eleventh in 10 minutes is refused, even if right', async () => {
      const current = 'كلمة سر أخرى'; // set by the test before
      assert.equal((await unlock(current)).status, 303, 'a right password is not counted');
      // One wrong password was given by the test before: nine more make ten.
      for (let i = 0; i < 9; i++) assert.equal((await unlock(`خطأ ${i}`)).status, 403);
      const refused = await unlock(current);
      assert.equal(refused.status, 429);
      assert.match(refused.text, /محاولات كثيرة بكلمة مرور خاطئة/);
    });

    test('comments on a protected article are refused without its password', async () => {
      const count = async () =>
        (await site.db.db.selectFrom('comments').select('id').where('article_id', '=', id).execute()).length;
      const before = await count();
      const res = await fetch(`${site.base}${articlePath()}/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ author: 'قارئ', email: 'reader@example.com', comment: 'تعليق' }),
      });
      assert.equal(res.status, 403);
      assert.match(await res.text(), /هذا المقال محمي بكلمة مرور: اكتبها في صفحته أولاً/);
      assert.equal(await count(), before, 'nothing stored');
    });

    test('putting a public article behind a password takes its cached page down at once', async () => {
      const openId = await editorial.save(
        actor,
        undefined,
        { title: 'مقال مفتوح ثم محمي', bodyHtml: '<p>نص كان عاماً قبل الحماية</p>', categoryId },
        'publish',
      );
      const row = await site.db.db
        .selectFrom('articles')
        .select('slug')
        .where('id', '=', openId)
        .executeTakeFirstOrThrow();
      const path = `/article/${encodeURIComponent(row.slug)}`;
      assert.ok((await getFresh(site, path)).text.includes('نص كان عاماً'));
      assert.ok((await get(site, path)).text.includes('نص كان عاماً'), 'cached');
      await editorial.save(
        actor,
        openId,
        { title: 'مقال مفتوح ثم محمي', bodyHtml: '<p>نص كان عاماً قبل الحماية</p>', categoryId, password: 'سر' },
        'save',
      );
      // The outbox is followed every 50 ms here; the page is dropped outright, never served stale.
      const deadline = Date.now() + 2000;
      let page = await get(site, path);
      while (page.text.includes('نص كان عاماً') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        page = await get(site, path);
      }
      assert.ok(!page.text.includes('نص كان عاماً'), 'the text is gone within 2 s');
      assert.match(page.text, /unlock-form/);

      // Removing the password makes it public again.
      await editorial.save(
        actor,
        openId,
        { title: 'مقال مفتوح ثم محمي', bodyHtml: '<p>نص كان عاماً قبل الحماية</p>', categoryId, password: null },
        'save',
      );
      assert.ok((await getFresh(site, path)).text.includes('نص كان عاماً'));
    });

    test('the newsroom sets and removes a password through the editor; the password is never shown back', async () => {
      const editor = await signIn(site, 'protect-editor@safir.test', 'a long test password');
      const form = await editor.request('GET', `/admin/articles/${id}`);
      assert.equal(form.status, 200);
      assert.match(form.text, /المقال محمي/);
      assert.match(form.text, /name="remove_password"/);
      assert.ok(!form.text.includes('scrypt$'), 'no hash in the form');
      const json = { 'content-type': 'application/json', 'x-csrf-token': editor.csrf };
      const shown = JSON.parse((await editor.request('GET', `/api/v1/admin/articles/${id}`)).text) as {
        article: Record<string, unknown> & { updated_at: string };
      };
      assert.equal(shown.article.protected, true);
      assert.ok(!('password_hash' in shown.article), 'the API names no hash');
      const save = (fields: Record<string, string>, updatedAt: string) =>
        editor.request(
          'PUT',
          `/api/v1/admin/articles/${id}`,
          {
            title: 'تقرير الميزانية المحمي',
            body: `<p>${SECRET}</p>`,
            category: String(categoryId),
            tags: 'ميزانية',
            updated_at: updatedAt,
            action: 'save',
            ...fields,
          },
          json,
        );
      const removed = await save({ remove_password: '1' }, shown.article.updated_at);
      assert.equal(removed.status, 200, removed.text);
      assert.ok((await getFresh(site, articlePath())).text.includes(SECRET), 'public again');
      const again = JSON.parse(removed.text) as { updated_at: string };
      assert.equal((await save({ article_password: 'سر جديد' }, again.updated_at)).status, 200);
      assert.ok(!(await getFresh(site, articlePath())).text.includes(HIDDEN_WORD), 'protected again');
      // (This address is locked out by the test before: the stored hash is checked instead of the form.)
      const row = await site.db.db
        .selectFrom('articles')
        .select('password_hash')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.ok(await verifyPassword('سر جديد', row.password_hash!));
    });
  });
}
