import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { serverSecret } from '../../src/accounts/secret.js';
import { importWordPress, WordPressImportError } from '../../src/import/wordpress.js';
import { cleanWordPressHtml } from '../../src/import/wordpress-content.js';
import { DIALECTS } from '../helpers/databases.js';
import { get, startSite, type TestSite } from '../helpers/server.js';

const FIXTURE = join(process.cwd(), 'test', 'fixtures', 'wordpress', 'export.xml');

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir).flatMap((n) =>
      statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)],
    );
  } catch {
    return [];
  }
}

test('WordPress markup becomes clean HTML', () => {
  const html = cleanWordPressHtml(
    '<!-- wp:paragraph --><p>أ</p><!-- /wp:paragraph -->\n[caption id="x" width="300"]<img src="a.jpg" alt="ب"> تعليق الصورة[/caption]',
  );
  assert.equal(html, '<p>أ</p>\n<figure><img src="a.jpg" alt="ب"><figcaption>تعليق الصورة</figcaption></figure>');
  assert.equal(cleanWordPressHtml('سطر أول\nسطر ثانٍ\n\nفقرة ثانية'), '<p>سطر أول<br>سطر ثانٍ</p>\n<p>فقرة ثانية</p>');
});

for (const dialect of DIALECTS)
  describe(`importing a WordPress export on ${dialect}`, () => {
    let site: TestSite;
    let uploads: string;
    let secret: Buffer;
    const run = (file = FIXTURE) =>
      importWordPress(site.db.db, file, { media: `${site.db.dir}/media`, uploadsDir: uploads, secret });

    before(async () => {
      site = await startSite(dialect, { seed: false, app: { pageCacheMs: 0 } });
      secret = await serverSecret(site.db.db);
      uploads = join(site.db.dir, 'uploads');
      mkdirSync(join(uploads, '2024', '03'), { recursive: true });
      const photo = await sharp({ create: { width: 1600, height: 1000, channels: 3, background: '#446688' } })
        .jpeg()
        .toBuffer();
      writeFileSync(join(uploads, '2024', '03', 'summit.jpg'), photo);
    });
    after(() => site.close());

    test('imports everything, with threads, statuses, images and redirects', async () => {
      const r = await run();
      assert.deepEqual(
        {
          authors: r.authors,
          categories: r.categories,
          tags: r.tags,
          posts: r.posts,
          pages: r.pages,
          comments: r.comments,
        },
        { authors: 2, categories: 3, tags: 2, posts: { created: 5, updated: 0 }, pages: 1, comments: 4 },
      );
      assert.deepEqual(
        r.skipped.map((s) => s.reason),
        ['nav_menu_item item 16 (not content)'],
      );
      assert.deepEqual(r.missingImages, ['https://assafir.example/wp-content/uploads/2024/03/lost.jpg']);
      const db = site.db.db;

      const cats = await db.selectFrom('categories').select(['id', 'name', 'slug', 'parent_id']).execute();
      const politics = cats.find((c) => c.name === 'سياسة')!;
      assert.equal(politics.slug, 'سياسة');
      assert.equal(cats.find((c) => c.name === 'سياسة عربية')!.parent_id, politics.id, 'nested');

      const articles = await db.selectFrom('articles').selectAll().orderBy('id').execute();
      const byTitle = (t: string) => articles.find((a) => a.title.startsWith(t))!;
      const summit = byTitle('قمة المناخ');
      assert.equal(summit.slug, 'قمة-المناخ');
      assert.equal(summit.status, 'published');
      assert.equal(summit.published_at, '2024-03-12T09:00:00.000Z');
      assert.equal(byTitle('مسودة').status, 'draft');
      assert.equal(byTitle('خبر مجدول').status, 'scheduled');
      assert.equal(byTitle('ملاحظة خاصة').status, 'draft', 'private posts arrive as drafts');
      assert.doesNotMatch(summit.body_html, /wp:|\[caption/);
      assert.match(
        summit.body_html,
        /<figure><img width="1600" height="1000" srcset="[^"]+" sizes="[^"]+"[^>]* src="\/media\/2\d{3}\/\d{2}\/summit-[a-f0-9]+\.jpg" alt="القاعة"[^>]*\/?><figcaption>القاعة صباح الافتتاح<\/figcaption><\/figure>/,
      );
      assert.match(
        summit.body_html,
        /src="https:\/\/assafir\.example\/wp-content\/uploads\/2024\/03\/lost\.jpg"/,
        'a missing image keeps its URL',
      );
      assert.ok(summit.featured_media_id, 'featured image');
      const featured = await db
        .selectFrom('media')
        .selectAll()
        .where('id', '=', summit.featured_media_id!)
        .executeTakeFirstOrThrow();
      assert.equal(featured.alt, 'قاعة القمة في الرياض');
      assert.match(
        byTitle('سامي').body_html,
        /<figure class="embed" data-embed="youtube" data-embed-id="dQw4w9WgXcQ">/,
      );
      assert.equal(byTitle('مسودة').body_html, '<p>فقرة أولى بلا وسوم.</p>\n<p>فقرة ثانية<br />بسطر جديد.</p>');

      const comments = await db.selectFrom('comments').selectAll().orderBy('id').execute();
      assert.deepEqual(
        comments.map((c) => c.status),
        ['approved', 'approved', 'pending', 'spam'],
      );
      assert.equal(comments[1]!.parent_id, comments[0]!.id, 'threaded');
      assert.ok(
        comments.every((c) => !c.ip_hash.includes('.')),
        'no IP address stored',
      );
      assert.equal(summit.comment_count, 2);

      // Old permalinks, percent-encoded either way or decoded, answer 301 to the new URL.
      for (const old of [
        '/2024/03/12/%d9%82%d9%85%d8%a9-%d8%a7%d9%84%d9%85%d9%86%d8%a7%d8%ae/',
        '/2024/03/12/%D9%82%D9%85%D8%A9-%D8%A7%D9%84%D9%85%D9%86%D8%A7%D8%AE',
        `/2024/03/12/${encodeURIComponent('قمة-المناخ')}/`,
      ]) {
        const res = await get(site, old);
        assert.equal(res.status, 301, old);
        assert.equal(res.headers.get('location'), `/article/${encodeURIComponent('قمة-المناخ')}`);
      }
      assert.equal((await get(site, `/${encodeURIComponent('من-نحن')}`)).status, 200, 'the page keeps its address');
      assert.equal((await get(site, '/2024/03/14/markets/')).status, 301);
    });

    test('running it again updates rather than duplicates', async () => {
      const counts = async () =>
        Promise.all(
          (['articles', 'comments', 'media', 'categories', 'tags', 'authors', 'pages', 'redirects'] as const).map(
            async (t) =>
              (
                await site.db.db
                  .selectFrom(t)
                  .select((eb) => eb.fn.countAll<number>().as('n'))
                  .executeTakeFirstOrThrow()
              ).n,
          ),
        );
      const before = await counts();
      const files = filesUnder(`${site.db.dir}/media`).length;
      const r = await run();
      assert.deepEqual(r.posts, { created: 0, updated: 5 });
      assert.equal(r.comments, 0);
      assert.deepEqual((await counts()).map(Number), before.map(Number));
      assert.equal(filesUnder(`${site.db.dir}/media`).length, files);
    });

    test('bad files are refused with line numbers and leave the site exactly as it was', async () => {
      const snapshot = async () =>
        JSON.stringify(
          await Promise.all(
            (['articles', 'comments', 'media', 'categories', 'tags', 'authors', 'pages', 'redirects'] as const).map(
              (t) => site.db.db.selectFrom(t).selectAll().execute(),
            ),
          ),
        );
      const before = await snapshot();
      const files = filesUnder(`${site.db.dir}/media`).length;
      const xml = readFileSync(FIXTURE, 'utf8');
      const write = (name: string, text: string) => {
        const p = join(site.db.dir, name);
        writeFileSync(p, text);
        return p;
      };
      const cases: [string, string, RegExp][] = [
        ['truncated.xml', xml.slice(0, Math.floor(xml.length * 0.6)), /not well-formed XML/],
        ['photo.xml', '\u0089PNG\r\n\u001a\nbinary garbage', /not an XML file|not well-formed/],
        [
          'bomb.xml',
          `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><rss><channel><title>&lol3;</title></channel></rss>`,
          /not well-formed XML|entity/i,
        ],
        [
          'duplicate.xml',
          xml.replace('<wp:post_id>12</wp:post_id>', '<wp:post_id>11</wp:post_id>'),
          /line \d+: duplicate wp:post_id 11 \(first at line \d+\)/,
        ],
        [
          'unknown-author.xml',
          xml.replace('<dc:creator><![CDATA[sami]]></dc:creator>', '<dc:creator><![CDATA[ghost]]></dc:creator>'),
          /line \d+: unknown author "ghost"/,
        ],
      ];
      for (const [name, text, message] of cases) {
        await assert.rejects(
          run(write(name, text)),
          (err: unknown) => err instanceof WordPressImportError && message.test(err.message),
          name,
        );
        assert.equal(await snapshot(), before, `${name} changed the site`);
        assert.equal(filesUnder(`${site.db.dir}/media`).length, files, `${name} left files behind`);
      }
    });
  });
