import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { createStaff, PASSWORD, signIn, type Client } from '../helpers/admin.js';
import { launchBrowser } from '../helpers/browser.js';
import { startSite, type TestSite } from '../helpers/server.js';

/** Every attack we know of for an article body, in one piece of HTML. */
const HOSTILE = `<p>مقدمة <script>window.__pwned = 'script'</script></p>
<p><img src="/nothing.png" alt="x" onerror="window.__pwned = 'onerror'"></p>
<p><a href="javascript:window.__pwned='link'">اضغط هنا</a> <a href="JaVaScRiPt&colon;alert(1)">2</a></p>
<iframe src="https://evil.example/frame" onload="window.__pwned='iframe'"></iframe>
<p style="background:url(javascript:alert(1)); width: expression(window.__pwned='css')">نص بنمط</p>
<style>body { background: red }</style>
<svg><script>window.__pwned='svg'</script></svg>
<form action="https://evil.example"><input name="q"></form>
<figure class="embed" data-embed="youtube" data-embed-id="bad id!!"><a href="https://evil.example">x</a></figure>
<p>خاتمة</p>`;

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? filesUnder(p) : [p];
    });
  } catch {
    return [];
  }
}

describe('hostile input in the newsroom', () => {
  let site: TestSite;
  let editor: Client;
  let browser: Browser;
  before(async () => {
    site = await startSite('sqlite');
    await createStaff(site);
    editor = await signIn(site, 'editor@safir.test', PASSWORD);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser.close();
    await site.close();
  });

  async function assertHarmless(slug: string) {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${site.base}/article/${encodeURIComponent(slug)}`);
    await page.waitForLoadState('load');
    // The links that were javascript: are still there as text; clicking them must do nothing.
    const hrefs = await page.locator('.article-body a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(!hrefs.some((h) => h && /^\s*javascript/i.test(h)), `hrefs: ${hrefs.join(' ')}`);
    await page.getByText('اضغط هنا').click();
    await page.waitForTimeout(200);
    const pwned = await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned ?? null);
    assert.equal(pwned, null, 'no script ran');
    assert.deepEqual(dialogs, []);
    assert.ok(!requests.some((u) => u.includes('evil.example')), 'nothing loaded from the attacker');
    const body = await page.locator('.article-body').innerHTML();
    assert.doesNotMatch(body, /<script|onerror|javascript:|<iframe|<style|style=|<form|expression\(/i);
    assert.match(body, /مقدمة/);
    assert.match(body, /خاتمة/);
    await page.close();
  }

  test('saved through the editor form, the article renders harmless in Chromium', async () => {
    const r = await editor.request('POST', '/admin/articles', {
      _csrf: editor.csrf,
      title: 'مقال عدائي عبر النموذج',
      body: HOSTILE,
      category: '1',
      action: 'publish',
    });
    assert.equal(r.status, 303, r.text.slice(0, 300));
    const id = Number(/\/admin\/articles\/(\d+)/.exec(r.location!)![1]);
    const article = await site.services.editorial.article(id);
    await assertHarmless(article.slug);
  });

  test('saved through the JSON API, the article renders harmless in Chromium', async () => {
    const r = await editor.request(
      'POST',
      '/api/v1/admin/articles',
      { title: 'مقال عدائي عبر الواجهة', body: HOSTILE, category: 1, action: 'publish' },
      { 'content-type': 'application/json', 'x-csrf-token': editor.csrf },
    );
    assert.equal(r.status, 201, r.text);
    await assertHarmless((JSON.parse(r.text) as { slug: string }).slug);
  });

  test('a video stays a link until the reader asks for the player', async () => {
    const r = await editor.request(
      'POST',
      '/api/v1/admin/articles',
      {
        title: 'مقال بفيديو',
        body: '<p>قبل</p><figure class="embed" data-embed="youtube" data-embed-id="dQw4w9WgXcQ"><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">خطاب الافتتاح</a></figure>',
        category: 1,
        action: 'publish',
      },
      { 'content-type': 'application/json', 'x-csrf-token': editor.csrf },
    );
    const slug = (JSON.parse(r.text) as { slug: string }).slug;
    const page = await browser.newPage();
    const external: string[] = [];
    await page.route(/youtube|vimeo/, (route) => {
      external.push(route.request().url());
      return route.abort();
    });
    await page.goto(`${site.base}/article/${encodeURIComponent(slug)}`);
    await page.waitForLoadState('networkidle');
    assert.deepEqual(external, [], 'nothing from the video site before the click');
    const play = page.locator('figure.embed .embed-play');
    assert.match(await play.innerText(), /شغّل الفيديو/);
    await play.click();
    const frame = page.locator('figure.embed iframe');
    assert.equal(await frame.getAttribute('src'), 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1');
    assert.equal(await frame.getAttribute('title'), 'خطاب الافتتاح');
    await page.close();
  });

  test('each supported format is accepted, stripped of metadata, and gets WebP renditions', async () => {
    const base = () => sharp({ create: { width: 1000, height: 700, channels: 3, background: '#aa3300' } });
    const files: [string, Buffer][] = [
      [
        'a.jpg',
        await base()
          .withMetadata({ exif: { IFD0: { Copyright: 'secret-location-tag' } } })
          .jpeg()
          .toBuffer(),
      ],
      ['b.png', await base().png().toBuffer()],
      ['c.webp', await base().webp().toBuffer()],
      ['d.avif', await base().avif().toBuffer()],
      ['e.gif', await base().gif().toBuffer()],
    ];
    for (const [name, bytes] of files) {
      const form = new FormData();
      form.append('alt', `صورة ${name}`);
      form.append('file', new Blob([new Uint8Array(bytes)]), name);
      const r = await editor.request('POST', '/api/v1/admin/media', form, { 'x-csrf-token': editor.csrf });
      assert.equal(r.status, 201, `${name}: ${r.text}`);
      const media = (JSON.parse(r.text) as { media: { url: string; thumb: string } }).media;
      assert.match(media.thumb, /-480\.webp$/, name);
      const original = await fetch(site.base + media.url);
      assert.equal(original.status, 200);
      const stored = Buffer.from(await original.arrayBuffer());
      assert.ok(!stored.includes('secret-location-tag'), `${name}: metadata stripped`);
    }
  });

  test('an image in use cannot be deleted; the refusal names the article', async () => {
    const bytes = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#0a0' } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('alt', 'صورة مستعملة');
    form.append('file', new Blob([new Uint8Array(bytes)]), 'used.png');
    const up = await editor.request('POST', '/api/v1/admin/media', form, { 'x-csrf-token': editor.csrf });
    const media = (JSON.parse(up.text) as { media: { id: number; url: string } }).media;
    const saved = await editor.request(
      'POST',
      '/api/v1/admin/articles',
      {
        title: 'مقال بصورة مستعملة',
        body: `<figure><img src="${media.url}" alt="صورة"></figure>`,
        category: 1,
        action: 'publish',
      },
      { 'content-type': 'application/json', 'x-csrf-token': editor.csrf },
    );
    assert.equal(saved.status, 201);
    const refused = await editor.request('POST', `/admin/media/${media.id}/delete`, { _csrf: editor.csrf });
    assert.equal(refused.status, 409);
    assert.match(refused.text, /مقال بصورة مستعملة/);
    assert.equal((await fetch(site.base + media.url)).status, 200, 'the file is still there');
  });

  test('bad uploads are refused with clear messages and leave nothing on disk or in the database', async () => {
    const mediaDir = join(site.db.dir, 'media');
    const filesBefore = filesUnder(mediaDir).length;
    const rowsBefore = await site.services.database.db.selectFrom('media').select('id').execute();
    const good = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    const cases: { name: string; bytes: Buffer; type: string; status: number; message: RegExp }[] = [
      {
        name: 'huge.jpg',
        bytes: Buffer.alloc(50 * 1024 * 1024, 0xff),
        type: 'image/jpeg',
        status: 413,
        message: /أكبر من الحد المسموح/,
      },
      {
        name: 'photo.jpg',
        bytes: Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00'), Buffer.alloc(4096, 0x90)]),
        type: 'image/jpeg',
        status: 415,
        message: /ليس صورة مدعومة/,
      },
      {
        name: 'broken.jpg',
        bytes: good.subarray(0, Math.floor(good.length / 3)),
        type: 'image/jpeg',
        status: 422,
        message: /تالفاً|ليس صورة/,
      },
      {
        name: 'logo.svg',
        bytes: Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>',
        ),
        type: 'image/svg+xml',
        status: 415,
        message: /ليس صورة مدعومة/,
      },
    ];
    for (const c of cases) {
      const form = new FormData();
      form.append('_csrf', editor.csrf);
      form.append('alt', 'وصف');
      form.append('file', new Blob([new Uint8Array(c.bytes)], { type: c.type }), c.name);
      const r = await editor.request('POST', '/admin/media', form);
      assert.equal(r.status, c.status, `${c.name}: ${r.status}`);
      assert.match(r.text, c.message, c.name);
      const api = new FormData();
      api.append('file', new Blob([new Uint8Array(c.bytes)], { type: c.type }), c.name);
      const j = await editor.request('POST', '/api/v1/admin/media', api, { 'x-csrf-token': editor.csrf });
      assert.equal(j.status, c.status, `${c.name} via API: ${j.status}`);
      assert.ok((JSON.parse(j.text) as { errors: { message_ar: string }[] }).errors[0]!.message_ar);
    }
    assert.equal(filesUnder(mediaDir).length, filesBefore, 'no file left behind');
    assert.equal(
      (await site.services.database.db.selectFrom('media').select('id').execute()).length,
      rowsBefore.length,
    );

    // The same path accepts a real image, so the refusals above are about the files.
    const ok = new FormData();
    ok.append('_csrf', editor.csrf);
    ok.append('alt', 'صورة سليمة');
    ok.append('file', new Blob([new Uint8Array(good)], { type: 'image/jpeg' }), 'good.jpg');
    const r = await editor.request('POST', '/admin/media', ok);
    assert.equal(r.status, 303);
    assert.ok(filesUnder(mediaDir).length > filesBefore);
  });
});
