import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { utcToZoned } from '../../src/shared/time.js';
import { axeViolations, describeViolations, launchBrowser } from '../helpers/browser.js';
import { startSite, type TestSite } from '../helpers/server.js';

/**
 * Acceptance for the newsroom, in real Chromium against a real server: an
 * administrator creates a contributor; the contributor writes an Arabic
 * article with an image in the rich-text editor and submits it; an editor
 * schedules it two minutes ahead; it appears on the public site by itself; its
 * revisions show both versions; and the server refuses the contributor's
 * attempts to publish, upload or edit someone else's article.
 */
describe('the newsroom in Chromium', () => {
  let site: TestSite;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const cspErrors: string[] = [];

  async function signedIn(email: string, password: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    page.on('dialog', (d) => void d.dismiss());
    await page.goto(`${site.base}/admin`);
    assert.match(page.url(), /\/admin\/sign-in\?next=%2Fadmin$/);
    await page.locator('#f-email').fill(email);
    await page.locator('#f-password').fill(password);
    await page.getByRole('button', { name: 'دخول' }).click();
    await page.waitForURL(`${site.base}/admin`);
    return page;
  }

  before(async () => {
    site = await startSite('sqlite', { app: { schedulerMs: 1000 } });
    await site.services.accounts.createUser({
      email: 'admin@safir.test',
      name: 'مديرة الموقع',
      role: 'administrator',
      password: 'admin password 1',
    });
    await site.services.accounts.createUser({
      email: 'editor@safir.test',
      name: 'هالة المحررة',
      role: 'editor',
      password: 'editor password 1',
    });
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser.close();
    await site.close();
  });

  test('from a new contributor to a scheduled article that publishes itself', async () => {
    // The administrator creates the contributor.
    const admin = await signedIn('admin@safir.test', 'admin password 1');
    await admin.goto(`${site.base}/admin/users`);
    await admin.locator('#f-name').fill('سامي المساهم');
    await admin.locator('#f-email').fill('sami@safir.test');
    await admin.locator('#f-role').selectOption('contributor');
    await admin.locator('#f-password').fill('sami password 1');
    await admin.getByRole('button', { name: 'أنشئ الحساب' }).click();
    await admin.waitForURL(/done=created/);
    assert.match(await admin.locator('table').innerText(), /sami@safir\.test/);

    // The contributor writes in the rich-text editor: Arabic with English, a heading, bold, and an image.
    const writer = await signedIn('sami@safir.test', 'sami password 1');
    await writer.goto(`${site.base}/admin/articles/new`);
    assert.equal(await writer.getByRole('button', { name: 'نشر' }).count(), 0, 'no publish button for a contributor');
    await writer.locator('#f-title').fill('قمة المناخ في الرياض تبحث تمويل الطاقة النظيفة');
    const editor = writer.locator('.rich-editor .ProseMirror');
    await editor.waitFor();
    await editor.click();
    await writer.keyboard.type('افتتحت اليوم قمة المناخ بمشاركة وفود من 40 دولة، وناقشت مبادرة Green Finance للتمويل.');
    await writer.keyboard.press('Enter');
    await writer.locator('[data-command=h2]').click();
    await writer.keyboard.type('أبرز القرارات');
    await writer.keyboard.press('Enter');
    await writer.locator('[data-command=bold]').click();
    await writer.keyboard.type('تعهدات بمليارات الدولارات');
    await writer.locator('[data-command=bold]').click();
    await writer.keyboard.press('Enter');
    // The image comes from the library (contributors cannot upload); alt text and caption by prompt.
    const answers = ['صورة لقاعة المؤتمر', 'قاعة القمة صباح الافتتاح'];
    writer.removeAllListeners('dialog');
    writer.on('dialog', (d) => void d.accept(answers.shift() ?? ''));
    await writer.locator('[data-command=image]').click();
    await writer.locator('dialog.media-picker .picker-item').first().click();
    await writer.locator('.ProseMirror figure img').waitFor();
    const bodyHtml = await writer.locator('textarea[name=body]').inputValue();
    assert.match(bodyHtml, /<h2[^>]*>أبرز القرارات<\/h2>/);
    assert.match(bodyHtml, /<strong>تعهدات بمليارات الدولارات<\/strong>/);
    assert.match(
      bodyHtml,
      /<figure><img src="\/media\/[^"]+" alt="صورة لقاعة المؤتمر"><figcaption>قاعة القمة صباح الافتتاح<\/figcaption><\/figure>/,
    );
    assert.match(await writer.locator('[data-word-count]').innerText(), /كلمة|كلمات/);
    await writer.locator('#f-category').selectOption({ label: 'سياسة' });
    await writer.getByLabel('الوسوم').fill('مناخ، طاقة');
    await writer.getByRole('button', { name: 'أرسل للمراجعة' }).click();
    await writer.waitForURL(/\/admin\/articles\/\d+\?done=submitted/);
    const id = Number(/\/admin\/articles\/(\d+)/.exec(writer.url())![1]);
    assert.equal((await site.services.editorial.article(id)).status, 'pending');

    // The server refuses what the contributor may not do, whatever the page shows.
    const csrf = await writer.locator('input[name=_csrf]').first().inputValue();
    const refusedPublish = await writer.request.post(`${site.base}/admin/articles/${id}`, {
      form: { _csrf: csrf, title: 'محاولة نشر', body: '<p>x</p>', category: '1', action: 'publish' },
      maxRedirects: 0,
    });
    assert.equal(refusedPublish.status(), 403);
    const refusedUpload = await writer.request.post(`${site.base}/api/v1/admin/media`, {
      headers: { 'x-csrf-token': csrf },
      multipart: { file: { name: 'a.png', mimeType: 'image/png', buffer: Buffer.from('not really') } },
    });
    assert.equal(refusedUpload.status(), 403);
    const seedArticle = (await site.services.content.lead())!;
    assert.equal((await writer.request.get(`${site.base}/admin/articles/${seedArticle.id}`)).status(), 403);
    const refusedEdit = await writer.request.post(`${site.base}/admin/articles/${seedArticle.id}`, {
      form: { _csrf: csrf, title: 'تخريب', body: '<p>x</p>', category: '1' },
      maxRedirects: 0,
    });
    assert.equal(refusedEdit.status(), 403);
    assert.notEqual((await site.services.editorial.article(seedArticle.id)).title, 'تخريب');
    assert.equal((await site.services.editorial.article(id)).status, 'pending', 'the refused publish changed nothing');

    // The editor finds it waiting, edits the title, and schedules it two minutes ahead (site time, Asia/Riyadh).
    const ed = await signedIn('editor@safir.test', 'editor password 1');
    assert.match(await ed.locator('main').innerText(), /قمة المناخ في الرياض/);
    await ed.goto(`${site.base}/admin/articles/${id}`);
    await ed.locator('#f-title').fill('قمة المناخ في الرياض تبحث تمويل الطاقة النظيفة والمتجددة');
    const at = new Date(Math.ceil((Date.now() + 120_000) / 60_000) * 60_000);
    await ed.getByLabel('موعد النشر').fill(utcToZoned(at.toISOString(), 'Asia/Riyadh'));
    await ed.getByRole('button', { name: 'جدولة' }).click();
    await ed.waitForURL(/done=scheduled/);
    const article = await site.services.editorial.article(id);
    assert.equal(article.status, 'scheduled');
    assert.equal(article.published_at, at.toISOString());

    // Not public yet.
    const reader = await (await browser.newContext()).newPage();
    const url = `${site.base}/article/${encodeURIComponent(article.slug)}`;
    assert.equal((await reader.goto(url))!.status(), 404);

    // The revision history shows the contributor's and the editor's versions side by side.
    await ed.goto(`${site.base}/admin/articles/${id}/revisions`);
    const history = await ed.locator('table').innerText();
    assert.match(history, /سامي المساهم/);
    assert.match(history, /هالة المحررة/);
    await ed.getByRole('link', { name: 'قارن بالحالية' }).last().click();
    assert.equal((await ed.locator('.diff ins').first().innerText()).trim(), 'والمتجددة');
    const violations = await (async () => {
      const context = await browser.newContext({ bypassCSP: true });
      contexts.push(context);
      await context.addCookies(await ed.context().cookies());
      const p = await context.newPage();
      await p.goto(`${site.base}/admin/articles/${id}`);
      await p.locator('.ProseMirror').waitFor();
      return axeViolations(p);
    })();
    assert.deepEqual(
      violations.filter((v) => v.impact === 'critical' || v.impact === 'serious'),
      [],
      describeViolations(violations),
    );

    // It appears by itself once its time has come: no one touches anything.
    const waitUntil = at.getTime() + 20_000;
    let status = 404;
    while (Date.now() < waitUntil && status !== 200) {
      await new Promise((r) => setTimeout(r, 1000));
      status = (await reader.goto(url))!.status();
    }
    assert.equal(status, 200, 'published by the scheduler');
    assert.ok(Date.now() >= at.getTime(), 'not before its time');
    assert.match(await reader.locator('h1').innerText(), /والمتجددة/);
    assert.equal(await reader.locator('.article-body figure img').getAttribute('alt'), 'صورة لقاعة المؤتمر');
    const notes = (await site.services.editorial.revisions(id)).map((r) => r.note);
    assert.deepEqual(
      notes.filter((n) => n !== 'autosave'),
      ['scheduled-publish', 'schedule', 'submit'],
    );
    assert.deepEqual(cspErrors, [], 'the admin runs under the Content-Security-Policy');
  });
});
