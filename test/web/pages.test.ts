import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SEED_ARTICLE } from '../../src/content/demo/demo-content.js';
import { renameArticle } from '../../src/content/service.js';
import { DIALECTS } from '../helpers/databases.js';
import { get, getFresh, startSite, type TestSite } from '../helpers/server.js';

const enc = encodeURIComponent;

for (const dialect of DIALECTS) {
  describe(`reading site on ${dialect}`, () => {
    let site: TestSite;
    let seedSlug: string;
    before(async () => {
      site = await startSite(dialect);
      seedSlug = (await site.services.content.lead())!.slug;
    });
    after(() => site.close());

    test('home: RTL Arabic document with the lead story, breaking strip, sections and footer', async () => {
      const res = await get(site, '/');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/html; charset=utf-8/);
      assert.match(res.text, /<html lang="ar" dir="rtl">/);
      assert.ok(res.text.includes(SEED_ARTICLE.title));
      assert.match(res.text, /class="breaking"[\s\S]*الصين وروسيا/);
      assert.ok(res.text.includes(`جميع الحقوق محفوظة © ${new Date().getFullYear()} مجلة السفير`));
      assert.ok(res.text.includes('يعمل بنظام سفير للنشر'));
      assert.ok(res.text.includes(`href="/category/${enc('سياسة')}"`));
    });

    test('article: the seed text verbatim, byline with both calendars, reading time, tags, author box, share links', async () => {
      const res = await get(site, `/article/${enc(seedSlug)}`);
      assert.equal(res.status, 200);
      assert.ok(res.text.includes(`<h1 id="article-title">${SEED_ARTICLE.title}</h1>`));
      assert.ok(res.text.includes(SEED_ARTICLE.body), 'the paragraph is printed exactly');
      assert.match(res.text, /<time datetime="[^"]+">\d+ [^\d<]+ \d{4} - \d+ [^<]+ \d{4} هـ<\/time>/);
      assert.ok(res.text.includes('دقيقتان'), 'a 400-word article reads in two minutes');
      assert.ok(res.text.includes('عن الكاتب'));
      assert.ok(res.text.includes('فريق تحرير السفير'));
      // A name keeps its own direction inside the line (a Latin name in an Arabic byline reads right).
      assert.match(res.text, /<a href="\/author\/[^"]+" rel="author" dir="auto">فريق تحرير السفير<\/a>/);
      for (const tag of SEED_ARTICLE.tags)
        assert.ok(res.text.includes(`href="/tag/${enc(tag.replace(/ /g, '-'))}"`), tag);
      assert.match(res.text, /srcset="[^"]+480w, [^"]+800w, [^"]+1200w, [^"]+1600w"/);
      assert.ok(!/<script[^>]+src="https?:/.test(res.text), 'no third-party script');
      assert.ok(res.text.includes('id="comments"'));
    });

    test('the article also answers to its raw (unencoded) Arabic path and with a trailing slash', async () => {
      const raw = await fetch(`${site.base}/article/${seedSlug}/`);
      assert.equal(raw.status, 200);
    });

    test('category, tag and author archives list the article', async () => {
      for (const path of [`/category/${enc('سياسة')}`, `/tag/${enc('روسيا')}`, `/author/${enc('فريق-التحرير')}`]) {
        const res = await get(site, path);
        assert.equal(res.status, 200, path);
        assert.ok(res.text.includes(SEED_ARTICLE.title), path);
        assert.match(res.text, /<h1>/);
      }
      const author = await get(site, `/author/${enc('فريق-التحرير')}`);
      assert.ok(author.text.includes('مقالان'), 'two articles, in the dual form');
    });

    test('static pages and a styled 404 in Arabic', async () => {
      const about = await get(site, `/${enc('من-نحن')}`);
      assert.equal(about.status, 200);
      assert.ok(about.text.includes('مجلة السفير مجلة إخبارية'));
      const missing = await get(site, `/article/${enc('لا-يوجد')}`);
      assert.equal(missing.status, 404);
      assert.ok(missing.text.includes('الصفحة غير موجودة'));
      assert.match(missing.text, /<html lang="ar" dir="rtl">/);
    });

    test('a renamed article redirects with 301 from its old URL, encoded or not', async () => {
      const id = (await site.services.content.lead())!.id;
      const newSlug = await renameArticle(site.db.db, id, 'الصين وروسيا تحالف');
      await site.services.outbox.caughtUp(); // what the outbox poll does
      try {
        for (const old of [`/article/${enc(seedSlug)}`, `/article/${seedSlug}`]) {
          const res = await fetch(site.base + old, { redirect: 'manual' });
          assert.equal(res.status, 301, old);
          assert.equal(res.headers.get('location'), `/article/${enc(newSlug)}`);
        }
      } finally {
        await renameArticle(site.db.db, id, seedSlug);
        await site.services.outbox.caughtUp();
      }
    });

    test('reads are counted and feed the most-read list', async () => {
      await get(site, `/article/${enc(seedSlug)}`);
      await get(site, `/article/${enc(seedSlug)}`); // the second read comes from the page cache and counts too
      await site.services.views.flush();
      const [top] = await site.services.content.mostRead(1, '2000-01-01');
      assert.equal(top?.slug, seedSlug);
      const row = await site.db.db
        .selectFrom('article_views')
        .select((eb) => eb.fn.sum<number>('views').as('n'))
        .executeTakeFirstOrThrow();
      assert.ok(Number(row.n) >= 2);
    });

    test('pages carry an ETag and answer 304 to it; gzip when accepted; a settings change shows once the outbox is followed', async () => {
      const first = await fetch(`${site.base}/`, { headers: { 'accept-encoding': 'gzip' } });
      const etag = first.headers.get('etag');
      assert.ok(etag);
      assert.equal(first.headers.get('content-encoding'), 'gzip');
      assert.ok((await first.text()).includes('مجلة السفير'), 'fetch decodes the gzip body');
      let again = await fetch(`${site.base}/`, { headers: { 'if-none-match': etag } });
      if (again.status === 200) {
        // The reads counted by the test before may have moved the most-read box meanwhile: a new page, a new tag.
        const newer = again.headers.get('etag');
        assert.ok(newer && newer !== etag);
        again = await fetch(`${site.base}/`, { headers: { 'if-none-match': newer } });
      }
      assert.equal(again.status, 304);

      await site.services.settings.update({ tagline: 'شعار جديد للاختبار' });
      const fresh = await getFresh(site, '/');
      assert.ok(fresh.text.includes('شعار جديد للاختبار'));
      assert.notEqual(fresh.headers.get('etag'), etag);
    });

    test('theme assets are served hashed, compressed and immutable', async () => {
      const home = await get(site, '/');
      const css = home.text.match(/href="(\/assets\/theme\.[0-9a-f]+\.css)"/)?.[1];
      assert.ok(css);
      const res = await fetch(site.base + css, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-encoding'), 'gzip');
      assert.match(res.headers.get('cache-control') ?? '', /immutable/);
      assert.ok((await res.text()).includes('@font-face'));
      assert.equal((await get(site, '/assets/theme.0000000000.css')).status, 404);
    });

    test('an English site renders LTR from the same theme', async () => {
      await site.services.settings.update({
        lang: 'en',
        direction: 'ltr',
        title: 'The Envoy',
        copyright: '© {year} The Envoy',
      });
      try {
        const res = await getFresh(site, '/'); // a settings change reaches the caches through the outbox
        assert.match(res.text, /<html lang="en" dir="ltr">/);
        assert.ok(res.text.includes('Skip to content'));
        assert.ok(res.text.includes(`© ${new Date().getFullYear()} The Envoy`));
      } finally {
        await site.services.settings.update({
          lang: 'ar',
          direction: 'rtl',
          title: 'مجلة السفير',
          copyright: 'جميع الحقوق محفوظة © {year} مجلة السفير',
        });
        await site.services.outbox.caughtUp();
      }
    });
  });
}

describe('server errors', () => {
  test('an unexpected failure gives a styled 500 page in Arabic without internals, and JSON under /api', async () => {
    const { createTestDatabase } = await import('../helpers/databases.js');
    const { buildApp } = await import('../../src/app.js');
    const db = await createTestDatabase('sqlite');
    const { app } = await buildApp({ database: db, mediaRoot: `${db.dir}/media` });
    const { PUBLIC } = await import('../../src/accounts/http.js');
    const { AnyQuery, jsonResponses } = await import('../../src/web/schemas.js');
    const { Type } = await import('typebox');
    app.get('/boom', { ...PUBLIC, schema: { querystring: AnyQuery } }, async () => {
      throw new Error('secret internal detail');
    });
    const api = { querystring: AnyQuery, response: jsonResponses(Type.Object({})) };
    app.get('/api/v1/boom', { ...PUBLIC, schema: api }, async () => {
      throw new Error('secret internal detail');
    });
    try {
      const page = await app.inject('/boom');
      assert.equal(page.statusCode, 500);
      assert.match(page.body, /<html lang="ar" dir="rtl">/);
      assert.ok(page.body.includes('حدث خطأ'));
      assert.ok(!page.body.includes('secret internal detail'));
      const api = await app.inject('/api/v1/boom');
      assert.equal(api.statusCode, 500);
      assert.equal(api.json().errors[0].code, 'INTERNAL');
      assert.ok(!api.body.includes('secret internal detail'));
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
