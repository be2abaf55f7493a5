import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeLargeWxr } from '../../bench/wordpress.js';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { serverSecret } from '../../src/accounts/secret.js';
import { formatWordPressReport, importWordPress, WordPressImportError } from '../../src/import/wordpress.js';
import { DEMO_AUTHOR, SEED_ARTICLE, WELCOME_ARTICLE } from '../../src/content/demo/demo-content.js';
import { editorOn } from '../helpers/newsroom.js';
import { postForm } from '../helpers/processes.js';
import { savePage } from '../../src/content/service.js';
import { Taxonomy } from '../../src/content/taxonomy.js';
import { Editorial } from '../../src/content/editorial.js';
import { cleanWordPressHtml, unknownShortcodes } from '../../src/import/wordpress-content.js';
import { createTestDatabase, DIALECTS } from '../helpers/databases.js';
import { get, getFresh, startSite, type TestSite } from '../helpers/server.js';

const FIXTURE = join(process.cwd(), 'test', 'fixtures', 'wordpress', 'export.xml');
/** Classic content with a caption, a gallery, audio, video, a block embed and an unknown shortcode. */
const CLASSIC_FIXTURE = join(process.cwd(), 'test', 'fixtures', 'wordpress', 'classic-content.xml');
/** A protected post, a protected page and a post with its comments closed. */
const PRIVATE_FIXTURE = join(process.cwd(), 'test', 'fixtures', 'wordpress', 'private-and-closed.xml');

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
  // WordPress's wpautop, as it shows classic content: blank lines are paragraphs, single ones line breaks.
  assert.equal(
    cleanWordPressHtml('سطر أول\nسطر ثانٍ\n\nفقرة ثانية'),
    '<p>سطر أول<br />\nسطر ثانٍ</p>\n<p>فقرة ثانية</p>',
  );
  assert.equal(
    cleanWordPressHtml('<blockquote>قال\n\nثم أضاف</blockquote>\n<pre>a\n\nb</pre>'),
    '<blockquote><p>قال</p>\n<p>ثم أضاف</p></blockquote>\n<pre>a\n\nb</pre>',
  );
  // Left in the text: unknown ones, and known ones that could not be converted (a gallery of unknown images).
  assert.deepEqual(unknownShortcodes('<p>[contact-form-7 id="1"] [gallery] <code>[not-this]</code></p>'), [
    'contact-form-7',
    'gallery',
  ]);
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
      assert.equal(byTitle('مسودة').body_html, '<p>فقرة أولى بلا وسوم.</p>\n<p>فقرة ثانية<br />\nبسطر جديد.</p>');

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

    test('every old WordPress address answers 301 to its new home or a clean 404, never a 5xx', async () => {
      // The main export was imported by the first test.
      const enc = encodeURIComponent;
      const db = site.db.db;
      const summit = `/article/${enc('قمة-المناخ')}`;
      const image = await db
        .selectFrom('media')
        .select(['path', 'width', 'variants'])
        .where('source_id', '=', 'wp:file:2024/03/summit.jpg')
        .executeTakeFirstOrThrow();
      const variants = (JSON.parse(image.variants) as { width: number; path: string }[]).sort(
        (a, b) => a.width - b.width,
      );
      const media = (path: string) => `/media/${path.split('/').map(enc).join('/')}`;
      const page = await db.selectFrom('pages').select('slug').executeTakeFirstOrThrow();
      const follow = async (path: string, hops = 4) => {
        let at = path;
        const seen: number[] = [];
        for (let i = 0; i < hops; i++) {
          const res = await get(site, at);
          seen.push(res.status);
          assert.ok(res.status < 500, `${path} → ${at}: ${res.status}`);
          const location = res.headers.get('location');
          if (res.status !== 301 || !location) return { status: res.status, at, seen };
          at = location;
        }
        return { status: 0, at, seen };
      };
      const cases: [string, number, string?][] = [
        ['/?p=11', 200, summit],
        ['/?p=12', 404], // a draft in WordPress: no public address
        ['/?p=999999', 404],
        ['/?p=abc', 404],
        ['/?page_id=15', 200, `/${enc(page.slug)}`],
        ['/?cat=2', 200, `/category/${enc('سياسة')}`],
        ['/?cat=5', 200, `/category/arab-politics`],
        [`/?tag=${enc('الرياض')}`, 200, `/tag/${enc('الرياض')}`],
        ['/?tag=climate', 200],
        ['/?author=1', 200, '/author/hala'],
        [`/?s=${enc('قمة المناخ')}`, 200, `/search?q=${enc('قمة المناخ')}`],
        ['/?feed=rss2', 200, '/feed'],
        ['/?feed=atom', 200, '/feed/atom'],
        ['/?attachment_id=10', 200, media(image.path)],
        ['/summit-hall/', 200, media(image.path)], // the attachment's page
        ['/wp-content/uploads/2024/03/summit.jpg', 200, media(image.path)],
        ['/wp-content/uploads/2024/03/summit-300x200.jpg', 200, media(variants.find((v) => v.width >= 300)!.path)],
        ['/wp-content/uploads/2024/03/summit-9000x6000.jpg', 200, media(image.path)],
        ['/wp-content/uploads/2024/03/lost.jpg', 404],
        ['/feed/', 200, '/feed'],
        ['/feed/rss2/', 200, '/feed'],
        ['/comments/feed/', 200, '/comments/feed'],
        [`/category/${enc('سياسة')}/feed/`, 200, `/category/${enc('سياسة')}/feed`],
        ['/2024/03/', 404],
        ['/2024/03/12/', 404],
        ['/page/2/', 200, '/'],
        [`/category/${enc('سياسة')}/page/1/`, 200, `/category/${enc('سياسة')}`],
        // Page 2 of a section with two articles: past its end, as a page number here would be.
        [`/category/${enc('سياسة')}/page/2/`, 404, `/category/${enc('سياسة')}?page=2`],
        ['/2024/03/12/%d9%82%d9%85%d8%a9-%d8%a7%d9%84%d9%85%d9%86%d8%a7%d8%ae/amp/', 200, summit],
        [`${summit}/amp`, 200, summit],
      ];
      for (const [path, status, to] of cases) {
        const end = await follow(path);
        assert.equal(end.status, status, `${path} ended ${end.status} at ${end.at} (${end.seen.join(' → ')})`);
        if (to) assert.equal(decodeURIComponent(end.at), decodeURIComponent(to), `${path} went to ${end.at}`);
        if (end.seen.length > 1)
          assert.ok(
            end.seen.slice(0, -1).every((s) => s === 301),
            `${path}: ${end.seen}`,
          );
      }
    });

    test('classic content reads as WordPress showed it: paragraphs, captions, galleries, media, embeds; unknown shortcodes reported', async () => {
      mkdirSync(join(uploads, '2024', '04'), { recursive: true });
      const port = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#224466' } })
        .jpeg()
        .toBuffer();
      writeFileSync(join(uploads, '2024', '04', 'port.jpg'), port);
      const r = await run(CLASSIC_FIXTURE);
      assert.deepEqual(r.unknownShortcodes, [{ name: 'contact-form-7', posts: ['42'] }]);
      assert.match(formatWordPressReport(r), /\[contact-form-7\] in post 42/);
      const body = async (sourceId: string) =>
        (
          await site.db.db
            .selectFrom('articles')
            .select('body_html')
            .where('source_id', '=', sourceId)
            .executeTakeFirstOrThrow()
        ).body_html;

      const opening = await body('wp:41');
      assert.match(
        opening,
        /^<p>افتتح الميناء الجديد أبوابه صباح اليوم\.<br \/>\nوحضر الافتتاح وزير النقل\.<\/p>\n<figure>/,
      );
      assert.match(
        opening,
        /<figure><img [^>]*src="\/media\/[^"]+port-[a-f0-9]+\.jpg" alt="الميناء"[^>]*\/?><figcaption>الميناء عند الافتتاح<\/figcaption><\/figure>\n<p>ويتسع الميناء لعشرين سفينة\.<\/p>\n<ul>/,
      );
      assert.match(opening, /<\/ul>\n<p>وتبدأ الرحلات الشهر المقبل\.<\/p>$/);
      assert.equal(opening.match(/<p>/g)?.length, 3, 'three paragraphs, as WordPress showed them');

      const photos = await body('wp:42');
      assert.match(
        photos,
        /<figure><img [^>]*src="\/media\/[^"]+port-[a-f0-9]+\.jpg" alt="سفن في الميناء"/,
        'the gallery',
      );
      assert.match(photos, /\[contact-form-7 id="5" title="اتصل بنا"\]/, 'an unknown shortcode stays visible');

      const tour = await body('wp:43');
      assert.match(tour, /<figure class="embed" data-embed="youtube" data-embed-id="dQw4w9WgXcQ">/);
      assert.match(
        tour,
        /<a href="https:\/\/assafir\.example\/wp-content\/uploads\/2024\/04\/interview\.mp3"[^>]*>تسجيل صوتي: interview\.mp3<\/a>/,
      );
      assert.match(
        tour,
        /<a href="https:\/\/assafir\.example\/wp-content\/uploads\/2024\/04\/tour\.mp4"[^>]*>فيديو: tour\.mp4<\/a>/,
      );
      assert.doesNotMatch(tour, /\[(audio|video)|wp-block-embed|wp:/);
    });

    test('a protected post stays behind its WordPress password, a protected page is not published, a closed thread stays closed', async () => {
      const r = await run(PRIVATE_FIXTURE);
      assert.equal(r.protectedPosts, 1);
      assert.deepEqual(
        r.skipped.map((s) => s.reason),
        ['page 33 is password-protected: imported as a draft (static pages take no password)'],
      );
      const db = site.db.db;
      const minutes = await db
        .selectFrom('articles')
        .select(['slug', 'password_hash'])
        .where('source_id', '=', 'wp:31')
        .executeTakeFirstOrThrow();
      assert.ok(minutes.password_hash?.startsWith('scrypt$'), 'kept as a hash, not the password');
      const path = `/article/${encodeURIComponent(minutes.slug)}`;
      for (const p of [path, '/', '/feed', `/api/v1/articles/${encodeURIComponent(minutes.slug)}`]) {
        const res = await get(site, p);
        assert.ok(!res.text.includes('أرباح الربع الأول'), `${p} shows the protected text`);
        assert.ok(!res.text.includes('ملخص المحضر السري'), `${p} shows the protected excerpt`);
      }
      const unlocked = await postForm(site.base, `${path}/unlock`, { password: 'wp-board-2024' });
      assert.equal(unlocked.status, 303, 'the WordPress password still opens it');
      const cookie = (unlocked.setCookie ?? '').split(';')[0]!;
      assert.ok((await get(site, path, { cookie })).text.includes('أرباح الربع الأول'));

      const page = await db
        .selectFrom('pages')
        .select('status')
        .where('slug', '=', 'subscribers')
        .executeTakeFirstOrThrow();
      assert.equal(page.status, 'draft');
      assert.equal((await get(site, '/subscribers')).status, 404);

      const closed = await db
        .selectFrom('articles')
        .select(['slug', 'comments_open'])
        .where('source_id', '=', 'wp:32')
        .executeTakeFirstOrThrow();
      assert.equal(closed.comments_open, 0);
      const closedPath = `/article/${encodeURIComponent(closed.slug)}`;
      const closedPage = await get(site, closedPath);
      assert.equal(closedPage.status, 200);
      assert.ok(!closedPage.text.includes('class="comment-form"'), 'no comment form on a closed thread');
      const comment = await fetch(`${site.base}${closedPath}/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ author: 'قارئ', email: 'reader@example.com', comment: 'تعليق' }),
      });
      assert.equal(comment.status, 403);
      assert.equal(((await comment.json()) as { errors: { code: string }[] }).errors[0]!.code, 'COMMENTS_CLOSED');
    });

    test('running it again changes nothing that did not change', async () => {
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
      assert.deepEqual(r.posts, { created: 0, updated: 0 });
      assert.ok(r.unchanged >= 5 + 4, 'every post and comment is the same at the source: left alone');
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

for (const dialect of DIALECTS) {
  describe(`importing into a fresh install (${dialect})`, () => {
    const importInto = async (site: TestSite) =>
      importWordPress(site.db.db, FIXTURE, {
        media: `${site.db.dir}/media`,
        secret: await serverSecret(site.db.db),
      });

    test('the untouched demo gives way: its articles, pages, sections, author and image go, and the report says so', async () => {
      const site = await startSite(dialect); // seeded with the demo, as a fresh install is
      try {
        const demoFiles = filesUnder(`${site.db.dir}/media`);
        assert.ok(demoFiles.length > 0, 'the demo has an image');
        const r = await importInto(site);
        assert.equal(r.demoRemoved, true);
        assert.match(formatWordPressReport(r), /Removed the demo content of the fresh install first/);
        const db = site.db.db;
        const titles = (await db.selectFrom('articles').select('title').execute()).map((a) => a.title);
        assert.ok(!titles.includes(SEED_ARTICLE.title) && !titles.includes(WELCOME_ARTICLE.title), 'no demo article');
        assert.equal(titles.length, 5, 'the five imported posts only');
        const pages = (await db.selectFrom('pages').select('slug').execute()).map((p) => p.slug);
        assert.deepEqual(pages, ['من-نحن'], 'the imported page only');
        const sections = (await db.selectFrom('categories').select('slug').execute()).map((c) => c.slug).sort();
        assert.ok(!sections.includes('أخبار-الموقع'), 'the demo’s own section is gone');
        assert.equal(
          (await db.selectFrom('authors').select('id').where('slug', '=', DEMO_AUTHOR.slug).executeTakeFirst()) ?? null,
          null,
        );
        assert.deepEqual(
          filesUnder(`${site.db.dir}/media`).filter((f) => demoFiles.includes(f)),
          [],
          'the demo image files are gone',
        );
        const home = await getFresh(site, '/');
        assert.ok(!home.text.includes(SEED_ARTICLE.title), 'the home page no longer shows the demo');
        assert.ok(home.text.includes('قمة المناخ في الرياض'));
      } finally {
        await site.close();
      }
    });

    test('a site with the newsroom’s own work keeps everything, demo included', async () => {
      const site = await startSite(dialect);
      try {
        const { editorial, actor, categoryId } = await editorOn(site.db.db, `demo-keeper-${dialect}@safir.test`);
        await editorial.save(
          actor,
          undefined,
          { title: 'أول مقال لغرفة الأخبار', bodyHtml: '<p>نص كتبته غرفة الأخبار.</p>', categoryId },
          'publish',
        );
        const r = await importInto(site);
        assert.equal(r.demoRemoved, false);
        assert.doesNotMatch(formatWordPressReport(r), /demo/);
        const titles = (await site.db.db.selectFrom('articles').select('title').execute()).map((a) => a.title);
        assert.ok(titles.includes(SEED_ARTICLE.title) && titles.includes('أول مقال لغرفة الأخبار'));
      } finally {
        await site.close();
      }
    });

    test('an edited demo article is the newsroom’s: nothing is removed', async () => {
      const site = await startSite(dialect);
      try {
        await site.db.db
          .updateTable('articles')
          .set({ updated_at: new Date(Date.now() + 1000).toISOString() })
          .where('title', '=', WELCOME_ARTICLE.title)
          .execute();
        const r = await importInto(site);
        assert.equal(r.demoRemoved, false);
        const titles = (await site.db.db.selectFrom('articles').select('title').execute()).map((a) => a.title);
        assert.ok(titles.includes(WELCOME_ARTICLE.title) && titles.includes(SEED_ARTICLE.title));
      } finally {
        await site.close();
      }
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`importing the same export again is a merge (${dialect})`, () => {
    test('moderation, edits and deletions made in Safir survive; what changed only at the source is updated; the report says what was kept', async () => {
      const site = await startSite(dialect, { seed: false });
      try {
        const db = site.db.db;
        const secret = await serverSecret(db);
        const importFile = (file: string) => importWordPress(db, file, { media: `${site.db.dir}/media`, secret });
        await importFile(FIXTURE);
        const { editorial, actor } = await editorOn(db, `merge-editor-${dialect}@safir.test`);
        const articleOf = (sourceId: string) =>
          db.selectFrom('articles').selectAll().where('source_id', '=', sourceId).executeTakeFirst();

        // In Safir: a held comment approved, an article edited, a draft deleted.
        const held = await db
          .selectFrom('comments')
          .select('id')
          .where('source_id', '=', 'wp:comment:103')
          .executeTakeFirstOrThrow();
        await site.services.comments.setStatus([held.id], 'approved');
        const markets = (await articleOf('wp:17'))!;
        const tags = (
          await db
            .selectFrom('article_tags as at')
            .innerJoin('tags as t', 't.id', 'at.tag_id')
            .select('t.name')
            .where('at.article_id', '=', markets.id)
            .execute()
        ).map((t) => t.name);
        await editorial.save(
          actor,
          markets.id,
          {
            title: 'عنوان اختارته غرفة الأخبار',
            bodyHtml: markets.body_html,
            categoryId: markets.category_id,
            tagNames: tags,
          },
          'save',
        );
        const draft = (await articleOf('wp:12'))!;
        await editorial.remove(actor, draft.id);
        // The scheduled article published by the scheduler when its date (2099) comes: WordPress's own decision
        // carried out, not an edit.
        await new Editorial(db, () => Date.parse('2099-01-01T08:00:01Z')).publishDue();
        assert.equal((await articleOf('wp:13'))!.status, 'published');

        // At the source: all four changed, and one more left untouched in Safir.
        const xml = readFileSync(FIXTURE, 'utf8')
          .replace('سؤال ينتظر المراجعة', 'سؤال عدّله صاحبه في ووردبريس')
          .replace('تراجعت الأسواق.', 'تراجعت الأسواق كثيراً.')
          .replace('فقرة أولى بلا وسوم.', 'فقرة أولى معدلة.')
          .replace('خبر مجدول للغد', 'خبر مجدول بعنوان جديد');
        const changed = join(site.db.dir, 'changed.xml');
        writeFileSync(changed, xml);
        const r = await importFile(changed);

        const comment = await db
          .selectFrom('comments')
          .select(['status', 'body'])
          .where('id', '=', held.id)
          .executeTakeFirstOrThrow();
        assert.deepEqual(
          comment,
          { status: 'approved', body: 'سؤال ينتظر المراجعة' },
          'the moderation decision stands',
        );
        assert.equal((await articleOf('wp:17'))!.title, 'عنوان اختارته غرفة الأخبار', 'the edit stands');
        assert.equal(await articleOf('wp:12'), undefined, 'the deletion stands');
        assert.equal(
          (await articleOf('wp:13'))!.title,
          'خبر مجدول بعنوان جديد',
          'a change at the source only is taken',
        );
        assert.deepEqual(r.posts, { created: 0, updated: 1 });
        const reasons = r.skipped.map((s) => s.reason);
        for (const expected of [
          'comment 103: changed at the source and in Safir since the last import: Safir’s version kept',
          'post 17: changed at the source and in Safir since the last import: Safir’s version kept',
          'post 12: deleted in Safir since the last import: not brought back',
        ])
          assert.ok(reasons.includes(expected), `the report lists: ${expected}\n${reasons.join('\n')}`);
        assert.match(formatWordPressReport(r), /post 12: deleted in Safir since the last import/);

        // Once more: nothing left to do.
        const again = await importFile(changed);
        assert.deepEqual(again.posts, { created: 0, updated: 0 });
        assert.equal(await articleOf('wp:12'), undefined);
      } finally {
        await site.close();
      }
    });

    test('sections, tags, pages and images the newsroom decided on stay as they are', async () => {
      const site = await startSite(dialect, { seed: false });
      try {
        const db = site.db.db;
        const secret = await serverSecret(db);
        const uploadsDir = join(site.db.dir, 'uploads');
        mkdirSync(join(uploadsDir, '2024', '03'), { recursive: true });
        writeFileSync(
          join(uploadsDir, '2024', '03', 'summit.jpg'),
          await sharp({ create: { width: 900, height: 600, channels: 3, background: '#446688' } })
            .jpeg()
            .toBuffer(),
        );
        const importFile = (file: string) =>
          importWordPress(db, file, { media: `${site.db.dir}/media`, uploadsDir, secret });
        // The newsroom's own "about us" page, at the address WordPress's page will want.
        await savePage(db, { title: 'من نحن في غرفة الأخبار', slug: 'من-نحن', bodyHtml: '<p>صفحتنا نحن</p>' });
        await importFile(FIXTURE);
        const pages = await db.selectFrom('pages').select(['slug', 'title', 'body_html']).orderBy('id').execute();
        assert.deepEqual(
          pages.map((p) => [p.slug, p.title]),
          [
            ['من-نحن', 'من نحن في غرفة الأخبار'],
            ['من-نحن-2', 'من نحن'],
          ],
          'the imported page takes a free address; the newsroom’s page is untouched',
        );
        const article = (sourceId: string) =>
          db.selectFrom('articles').selectAll().where('source_id', '=', sourceId).executeTakeFirstOrThrow();
        const summit = await article('wp:11');
        assert.ok(summit.featured_media_id);

        // In Safir: the economy section deleted (its articles moved to politics), and a tag deleted.
        const taxonomy = new Taxonomy(db);
        const economy = await db
          .selectFrom('categories')
          .select('id')
          .where('name', '=', 'اقتصاد')
          .executeTakeFirstOrThrow();
        const politics = await db
          .selectFrom('categories')
          .select('id')
          .where('name', '=', 'سياسة')
          .executeTakeFirstOrThrow();
        await taxonomy.deleteCategory(economy.id, politics.id);
        const tag = await db
          .selectFrom('tags')
          .select('id')
          .where('name', '=', 'سياسة عربية')
          .executeTakeFirstOrThrow();
        await taxonomy.deleteTag(tag.id);

        // At the source: a posts-only export (no attachments), with the summit, the markets article and the
        // page changed.
        const xml = readFileSync(FIXTURE, 'utf8')
          .replace(/<item>\s*<title><!\[CDATA\[قاعة القمة\]\]>[\s\S]*?<\/item>/, '')
          .replace('افتتحت في الرياض اليوم', 'افتتحت صباح اليوم في الرياض')
          .replace('تراجعت الأسواق.', 'تراجعت الأسواق اليوم.')
          .replace('مجلة عربية مستقلة.', 'مجلة عربية مستقلة منذ عام.');
        assert.ok(!xml.includes('قاعة القمة'), 'the attachment is gone from the export');
        const changed = join(site.db.dir, 'posts-only.xml');
        writeFileSync(changed, xml);
        const r = await importFile(changed);
        // The markets article moved with its section: a change made in Safir, so Safir's version is kept.
        assert.deepEqual(r.posts, { created: 0, updated: 1 }, r.skipped.map((s) => s.reason).join('\n'));
        assert.ok(
          r.skipped.some(
            (s) =>
              s.reason === 'post 17: changed at the source and in Safir since the last import: Safir’s version kept',
          ),
        );

        const after = await article('wp:11');
        assert.match(after.body_html, /افتتحت صباح اليوم في الرياض/);
        assert.equal(after.featured_media_id, summit.featured_media_id, 'the featured image stays');
        assert.equal(
          await db.selectFrom('categories').select('id').where('name', '=', 'اقتصاد').executeTakeFirst(),
          undefined,
          'the deleted section is not made again',
        );
        assert.equal((await article('wp:17')).category_id, politics.id, 'the article stays where the newsroom put it');
        assert.equal(
          await db.selectFrom('tags').select('id').where('name', '=', 'سياسة عربية').executeTakeFirst(),
          undefined,
          'the deleted tag is not made again',
        );
        const theirs = await db
          .selectFrom('pages')
          .select('body_html')
          .where('slug', '=', 'من-نحن-2')
          .executeTakeFirstOrThrow();
        assert.match(theirs.body_html, /مستقلة منذ عام/, 'the imported page takes the change');
        const mine = await db
          .selectFrom('pages')
          .select('body_html')
          .where('slug', '=', 'من-نحن')
          .executeTakeFirstOrThrow();
        assert.equal(mine.body_html, '<p>صفحتنا نحن</p>');
      } finally {
        await site.close();
      }
    });
  });
}

for (const dialect of DIALECTS) {
  test(`safir import wordpress --dry-run reports everything and keeps nothing; --url-map lists old addresses (${dialect})`, async () => {
    const db = await createTestDatabase(dialect);
    try {
      const media = join(db.dir, 'media');
      const uploadsDir = join(db.dir, 'uploads');
      mkdirSync(join(uploadsDir, '2024', '03'), { recursive: true });
      writeFileSync(
        join(uploadsDir, '2024', '03', 'summit.jpg'),
        await sharp({ create: { width: 800, height: 500, channels: 3, background: '#446688' } })
          .jpeg()
          .toBuffer(),
      );
      const map = join(db.dir, 'urls.tsv');
      const cli = (...args: string[]) =>
        spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'import', 'wordpress', FIXTURE, ...args], {
          env: { ...process.env, DATABASE_URL: db.url, MEDIA_DIR: media },
          encoding: 'utf8',
        });
      const articles = async () =>
        Number(
          (
            await db.db
              .selectFrom('articles')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const dry = cli('--uploads', uploadsDir, '--dry-run', '--url-map', map);
      assert.equal(dry.status, 0, dry.stderr);
      assert.match(dry.stdout, /Dry run: nothing below was kept\./);
      assert.match(dry.stdout, /posts 5 new, 0 updated/);
      assert.equal(await articles(), 0, 'no article kept');
      assert.deepEqual(filesUnder(media), [], 'no image file kept');
      const lines = readFileSync(map, 'utf8').trim().split('\n');
      assert.ok(lines.includes(`/?p=11\t/article/${encodeURIComponent('قمة-المناخ')}`), lines.join('\n'));
      assert.ok(
        lines.includes(`/2024/03/12/${encodeURIComponent('قمة-المناخ')}\t/article/${encodeURIComponent('قمة-المناخ')}`),
      );

      const real = cli('--uploads', uploadsDir);
      assert.equal(real.status, 0, real.stderr);
      assert.doesNotMatch(real.stdout, /Dry run/);
      assert.equal(await articles(), 5);
      assert.ok(filesUnder(media).length > 0);
    } finally {
      await db.drop();
    }
  });
}

for (const dialect of DIALECTS) {
  test(`an import stopped with Ctrl-C keeps nothing (${dialect})`, async () => {
    const db = await createTestDatabase(dialect);
    try {
      const file = join(db.dir, 'large.xml');
      await writeLargeWxr(file, 40 * 1024 * 1024);
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'import', 'wordpress', file], {
        env: { ...process.env, DATABASE_URL: db.url, MEDIA_DIR: join(db.dir, 'media') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      // Well into the file (piped, progress is a line every tenth of the way), then Ctrl-C.
      const deadline = Date.now() + 60_000;
      while (!/import: 20%/.test(stderr) && child.exitCode === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      assert.equal(child.exitCode, null, `the import ended before it could be stopped: ${stderr.slice(-500)}`);
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 1);
      assert.match(stderr, /stopped before the end: nothing was kept/);
      const n = await db.db
        .selectFrom('articles')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(n.n), 0);
    } finally {
      await db.drop();
    }
  });
}
