import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createStaff, PASSWORD } from '../helpers/admin.js';
import { launchBrowser } from '../helpers/browser.js';
import { startSite, type TestSite } from '../helpers/server.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Acceptance for comments in real Chromium: posting with JavaScript on and
 * off, moderation visible only to the writer until an editor approves it in
 * the queue, a nested reply, and hostile text that stays text.
 */
describe('comments in Chromium', () => {
  let site: TestSite;
  let browser: Browser;
  let articleUrl: string;
  const contexts: BrowserContext[] = [];
  const dialogs: string[] = [];

  async function open(javaScript = true): Promise<Page> {
    const context = await browser.newContext({ javaScriptEnabled: javaScript, viewport: { width: 1100, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    return page;
  }

  async function fill(page: Page, name: string, email: string, text: string) {
    await page.locator('#comment').fill(text);
    await page.locator('#author').fill(name);
    await page.locator('#email').fill(email);
    await wait(3200); // a person takes longer than the form's minimum age
  }

  before(async () => {
    site = await startSite('sqlite', { app: { pageCacheMs: 30_000, outboxPollMs: 100 } });
    await createStaff(site);
    browser = await launchBrowser();
    articleUrl = `${site.base}/article/${encodeURIComponent((await site.services.content.lead())!.slug)}`;
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser.close();
    await site.close();
  });

  test('post with and without JavaScript, moderate, reply, and stay safe', async () => {
    // JavaScript on: the comment joins the page without a reload and waits for moderation.
    const reader = await open(true);
    await reader.goto(articleUrl);
    assert.equal(await reader.locator('#respond h3').innerText(), 'اترك تعليقاً');
    assert.match(
      await reader.locator('.comment-notes').innerText(),
      /لن يتم نشر عنوان بريدك الإلكتروني\. الحقول الإلزامية مشار إليها بـ \*/,
    );
    assert.equal(await reader.locator('#comments-title').innerText(), 'لا توجد تعليقات');
    await fill(reader, 'ليلى', 'layla@example.com', 'مقال مهم، شكراً للكاتب.');
    await reader.locator('#remember').check();
    const urlBefore = reader.url();
    await reader.getByRole('button', { name: 'إرسال التعليق' }).click();
    await reader.locator('.comment-pending').waitFor();
    assert.equal(reader.url(), urlBefore, 'no reload');
    assert.match(await reader.locator('.comment-pending').innerText(), /بانتظار المراجعة/);

    // JavaScript off: a normal form post, then back to the comment with the notice, for its writer only.
    const plain = await open(false);
    await plain.goto(articleUrl);
    await fill(plain, 'سالم', 'salem@example.com', 'تعليق من متصفح بلا جافاسكربت.');
    await plain.getByRole('button', { name: 'إرسال التعليق' }).click();
    await plain.waitForURL(/\?c=\d+&k=/);
    assert.match(await plain.locator('.comment-pending').innerText(), /تعليق من متصفح بلا جافاسكربت/);
    const stranger = await open(true);
    await stranger.goto(articleUrl);
    const strangerText = await stranger.locator('#comments').innerText();
    assert.ok(
      !strangerText.includes('مقال مهم') && !strangerText.includes('بلا جافاسكربت'),
      'held comments are hidden from others',
    );

    // An editor approves Layla's comment from the queue.
    const editor = await open(true);
    await editor.goto(`${site.base}/admin/sign-in`);
    await editor.locator('#f-email').fill('editor@safir.test');
    await editor.locator('#f-password').fill(PASSWORD);
    await editor.getByRole('button', { name: 'دخول' }).click();
    await editor.waitForURL(`${site.base}/admin`);
    await editor.goto(`${site.base}/admin/comments`);
    const item = editor.locator('li[data-comment-id]', { hasText: 'مقال مهم' });
    await item.getByRole('button', { name: 'وافق' }).click();
    await editor.waitForURL(/done=saved/);
    await wait(300);
    await stranger.goto(articleUrl);
    assert.match(await stranger.locator('#comments').innerText(), /مقال مهم، شكراً للكاتب/);
    assert.equal(await stranger.locator('#comments-title').innerText(), 'تعليق واحد');

    // Layla replies (her address now has an approved comment, so the reply is published at once) and it nests.
    await reader.goto(articleUrl);
    assert.equal(await reader.locator('#author').inputValue(), 'ليلى', 'remembered in this browser');
    const first = reader.locator('.comment-list > li').first();
    await first.getByRole('link', { name: 'رد' }).click();
    await reader.locator('#comment').fill('وأضيف: التحليل دقيق.');
    await wait(3200);
    await reader.getByRole('button', { name: 'إرسال التعليق' }).click();
    await reader.locator('.comment-replies li').first().waitFor();
    await wait(300);
    await stranger.goto(articleUrl);
    const nested = stranger.locator('.comment-list > li > ol.comment-replies > li');
    assert.match(await nested.first().innerText(), /التحليل دقيق/);
    assert.equal(await stranger.locator('#comments-title').innerText(), 'تعليقان');

    // Hostile text: posted without JavaScript, approved, shown as harmless text.
    const attacker = await open(false);
    await attacker.goto(articleUrl);
    const hostile =
      '<script>alert(1)</script> <img src=x onerror=alert(1)> <a href="javascript:alert(1)">اضغط</a> javascript:alert(2)';
    await fill(attacker, 'مهاجم <b>', 'x@evil.example', hostile);
    await attacker.getByRole('button', { name: 'إرسال التعليق' }).click();
    await attacker.waitForURL(/\?c=(\d+)/);
    const id = Number(/\?c=(\d+)/.exec(attacker.url())![1]);
    await site.services.comments.setStatus([id], 'approved');
    await wait(300);
    const victim = await open(true);
    await victim.goto(`${articleUrl}#comment-${id}`);
    await victim.waitForLoadState('load');
    const body = victim.locator(`#comment-${id} .comment-body`);
    assert.equal((await body.innerText()).trim(), hostile, 'shown exactly as typed');
    assert.equal(
      await victim.locator(`#comment-${id} .comment-body img, #comment-${id} .comment-body script`).count(),
      0,
    );
    assert.ok(
      !(await victim
        .locator(`#comment-${id} .comment-body a`)
        .evaluateAll((as) => as.some((a) => /^javascript/i.test(a.getAttribute('href') ?? '')))),
    );
    await victim.getByText('اضغط', { exact: false }).first().click();
    await wait(300);
    assert.deepEqual(dialogs, [], 'no dialog opened anywhere');
  });
});
