import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaff, PASSWORD, signIn, type Client } from '../helpers/admin.js';
import { DIALECTS } from '../helpers/databases.js';
import { startSite, type TestSite } from '../helpers/server.js';

const GARBAGE = [
  '1 garbage',
  'tomorrow at nine',
  '2027-02-30T09:00:00Z',
  '2027-13-01T09:00:00Z',
  '2027-01-01T25:00:00+03:00',
  '2027-01-01T09:00:00+16:00',
  '99999-01-01T00:00:00Z',
  '2027-01-01',
  '',
];

for (const dialect of DIALECTS) {
  describe(`dates: parsed strictly at the edge, rendered defensively (${dialect})`, () => {
    let site: TestSite;
    let editor: Client;
    before(async () => {
      site = await startSite(dialect);
      await createStaff(site);
      editor = await signIn(site, 'editor@safir.test', PASSWORD);
    });
    after(() => site.close());

    const count = async () =>
      Number(
        (
          await site.db.db
            .selectFrom('articles')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const article = { title: 'مقال مجدول', body: '<p>نص</p>', category: '1', action: 'schedule' };
    const json = { 'content-type': 'application/json' };

    test('garbage, impossible and out-of-range times are refused with a 400 and a message; nothing is written', async () => {
      const before = await count();
      for (const bad of GARBAGE) {
        const api = await editor.request(
          'POST',
          '/api/v1/admin/articles',
          { ...article, publish_at_utc: bad },
          {
            ...json,
            'x-csrf-token': editor.csrf,
          },
        );
        assert.equal(api.status, 400, `API ${JSON.stringify(bad)}: ${api.text.slice(0, 200)}`);
        const error = (JSON.parse(api.text) as { errors: { field: string; message_ar: string; message_en: string }[] })
          .errors[0]!;
        assert.equal(error.field, 'publish_at');
        assert.ok(error.message_ar && error.message_en);
        const form = await editor.request('POST', '/admin/articles', {
          _csrf: editor.csrf,
          ...article,
          publish_at: bad,
        });
        assert.equal(form.status, 400, `form ${JSON.stringify(bad)}`);
        assert.ok(form.text.includes('id="f-publish_at-error"'), 'the message is beside the field');
        assert.ok(form.text.includes('مقال مجدول'), 'the text is kept');
      }
      assert.equal(await count(), before, 'no half-written article');
    });

    test('a time with an offset is the instant it names', async () => {
      const res = await editor.request(
        'POST',
        '/api/v1/admin/articles',
        { ...article, publish_at_utc: '2030-01-01T09:00:00+03:00' },
        { ...json, 'x-csrf-token': editor.csrf },
      );
      assert.equal(res.status, 201, res.text);
      const { id } = JSON.parse(res.text) as { id: number };
      const row = await site.db.db
        .selectFrom('articles')
        .select('published_at')
        .where('id', '=', id)
        .executeTakeFirst();
      assert.equal(row?.published_at, '2030-01-01T06:00:00.000Z');
    });

    test('a row whose dates were written invalid straight into the database breaks no public page, feed or API', async () => {
      const lead = (await site.services.content.lead())!;
      await site.db.db
        .updateTable('articles')
        .set({ published_at: '1 garbage', updated_at: 'not a time', created_at: '' })
        .where('id', '=', lead.id)
        .execute();
      await site.db.db.updateTable('comments').set({ created_at: 'nope' }).execute();
      site.services.pageCache.clear();
      const category = (await site.services.content.categories())[0]!;
      const paths = [
        '/',
        `/article/${encodeURIComponent(lead.slug)}`,
        `/category/${encodeURIComponent(category.slug)}`,
        `/author/${encodeURIComponent(lead.author.slug)}`,
        '/feed',
        '/feed/atom',
        '/feed/json',
        `/category/${encodeURIComponent(category.slug)}/feed`,
        '/sitemap.xml',
        '/sitemaps/articles-1.xml',
        '/sitemaps/news.xml',
        '/sitemaps/sections.xml',
        '/sitemaps/authors.xml',
        '/comments/feed',
        `/article/${encodeURIComponent(lead.slug)}/comments/feed`,
        '/api/v1/articles',
        `/api/v1/articles/${encodeURIComponent(lead.slug)}`,
        `/api/v1/articles/${encodeURIComponent(lead.slug)}/comments`,
        `/search?q=${encodeURIComponent('روسيا')}`,
        `/api/v1/search?q=${encodeURIComponent('روسيا')}`,
      ];
      for (const path of paths) {
        const res = await fetch(site.base + path);
        await res.text();
        assert.ok(res.status < 500, `${path} → ${res.status}`);
      }
      for (const path of [
        '/admin',
        '/admin/articles',
        `/admin/articles/${lead.id}`,
        `/admin/articles/${lead.id}/revisions`,
      ]) {
        const res = await editor.request('GET', path);
        assert.ok(res.status < 500, `${path} → ${res.status}`);
      }
    });
  });
}
