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
      // The scheduler looks every 5 s (15 s by default): publishing lags by at most that.
      site = await startSite(dialect, { app: { schedulerMs: 5000 } });
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

    test('scheduled with +03:00, with Z and in the site time zone, each goes public within 30 s of its instant, not before', async () => {
      const zone = 'Asia/Beirut'; // UTC+2 in winter, +3 in summer: a zone with daylight saving
      await site.services.settings.update({ timeZone: zone });
      site.services.site.invalidate();
      // The wall clock in `zone`, by Intl (not by the code under test): "2026-12-01 21:05:07".
      const wall = (ms: number) =>
        new Intl.DateTimeFormat('sv-SE', {
          timeZone: zone,
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
          hourCycle: 'h23',
        })
          .format(new Date(ms))
          .replace(' ', 'T');
      const base = Math.ceil(Date.now() / 1000) * 1000 + 4000;
      const plus3 = (ms: number) => `${new Date(ms + 3 * 3600_000).toISOString().slice(0, 19)}+03:00`;
      const cases = [
        { label: '+03:00', due: base, field: { publish_at_utc: plus3(base) } },
        { label: 'Z', due: base + 1000, field: { publish_at_utc: new Date(base + 1000).toISOString() } },
        { label: `${zone} local`, due: base + 2000, field: { publish_at: wall(base + 2000) } },
      ];
      const scheduled = [];
      for (const c of cases) {
        const res = await editor.request(
          'POST',
          '/api/v1/admin/articles',
          { ...article, title: `مجدول ${c.label}`, ...c.field },
          { ...json, 'x-csrf-token': editor.csrf },
        );
        assert.equal(res.status, 201, res.text);
        const { id, slug } = JSON.parse(res.text) as { id: number; slug: string };
        const row = await site.db.db
          .selectFrom('articles')
          .select('published_at')
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.equal(row.published_at, new Date(c.due).toISOString(), `${c.label}: the instant it names`);
        scheduled.push({ ...c, path: `/article/${encodeURIComponent(slug)}`, seenAt: 0 });
      }
      const deadline = base + 2000 + 35_000;
      while (scheduled.some((s) => !s.seenAt) && Date.now() < deadline) {
        for (const s of scheduled.filter((x) => !x.seenAt)) {
          const res = await fetch(site.base + s.path);
          await res.text();
          if (res.status === 200) s.seenAt = Date.now();
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const s of scheduled) {
        const lag = s.seenAt - s.due;
        console.log(`${dialect}: scheduled with ${s.label}: public ${lag} ms after its instant`);
        assert.ok(s.seenAt, `${s.label}: published`);
        assert.ok(lag >= 0, `${s.label}: not before its time (${lag} ms)`);
        assert.ok(lag < 30_000, `${s.label}: within 30 s (${lag} ms)`);
      }
      await site.services.settings.update({ timeZone: 'Asia/Riyadh' });
      site.services.site.invalidate();
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
