import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaff, PASSWORD, signIn } from '../helpers/admin.js';
import { DIALECTS } from '../helpers/databases.js';
import { startSite, type TestSite } from '../helpers/server.js';

for (const dialect of DIALECTS) {
  describe(`odd input never reaches the database (${dialect})`, () => {
    let site: TestSite;
    before(async () => {
      site = await startSite(dialect);
      await createStaff(site);
    });
    after(() => site.close());

    test('a NUL byte in a text field is a 400 with a message, and nothing is written', async () => {
      const editor = await signIn(site, 'editor@safir.test', PASSWORD);
      const count = async () => (await site.db.db.selectFrom('articles').select('id').execute()).length;
      const before = await count();
      for (const field of ['title', 'body', 'excerpt', 'slug', 'seo_title', 'tags']) {
        const body: Record<string, unknown> = { title: 'عنوان', body: '<p>نص</p>', category: '1', action: 'draft' };
        body[field] = `قبل\u0000بعد`;
        const res = await editor.request('POST', '/api/v1/admin/articles', body, {
          'content-type': 'application/json',
          'x-csrf-token': editor.csrf,
        });
        assert.equal(res.status, 400, `${field}: ${res.text.slice(0, 200)}`);
        const error = (JSON.parse(res.text) as { errors: { message_ar: string; message_en: string }[] }).errors[0]!;
        assert.ok(error.message_ar && error.message_en, `${field}: a message in both languages`);
      }
      assert.equal(await count(), before, 'no article written');
      const search = await fetch(`${site.base}/api/v1/search?q=${encodeURIComponent('a\u0000b')}`);
      assert.equal(search.status, 400);
    });

    test('sitemap file 0 and negative ones are 404s; a negative page number is a 400', async () => {
      for (const path of ['/sitemaps/articles-0.xml', '/sitemaps/articles--1.xml', '/sitemaps/articles-00.xml'])
        assert.equal((await fetch(site.base + path)).status, 404, path);
      const section = `/category/${encodeURIComponent('سياسة')}`;
      for (const path of [`${section}?page=-1`, `${section}?page=0`, '/search?q=x&page=-2', '/api/v1/articles?page=-3'])
        assert.equal((await fetch(site.base + path)).status, 400, path);
    });
  });
}
