import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openDatabase } from '../../src/db/database.js';
import { PG_ADMIN_URL } from '../helpers/databases.js';
import { launchBrowser } from '../helpers/browser.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { startSite, type TestSite } from '../helpers/server.js';

/**
 * The writer's text survives what browsers and servers do to it: a reload, leaving and coming Back, and a save
 * pressed while the database is out of reach (PostgreSQL cut off by a proxy between Safir and the server).
 */
describe('the editor keeps the writer’s work (Chromium, PostgreSQL through a fault proxy)', () => {
  let proxy: FaultProxy;
  let site: TestSite;
  let browser: Browser;

  before(async () => {
    proxy = await startFaultProxy(Number(new URL(PG_ADMIN_URL).port || 5432));
    site = await startSite('postgres', {
      connect: (db) => openDatabase(proxy.via(db.url), { timeoutMs: 1000 }),
      app: { databaseTimeoutMs: 1000 },
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
    await browser?.close();
    await proxy.set('pass');
    await site?.close();
    await proxy.close();
  });

  async function signedIn(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // Leaving with unsaved changes asks first: these tests say yes, and count the questions.
    page.on('dialog', (d) => void (d.type() === 'beforeunload' ? d.accept() : d.dismiss()));
    await page.goto(`${site.base}/admin/sign-in`);
    await page.locator('#f-email').fill('editor@safir.test');
    await page.locator('#f-password').fill('editor password 1');
    await page.getByRole('button', { name: 'دخول' }).click();
    await page.waitForURL(`${site.base}/admin`);
    return page;
  }

  const body = (page: Page) => page.locator('.rich-editor .ProseMirror');

  test('text typed before any title survives a reload, and leaving for the media library and coming Back', async () => {
    const page = await signedIn();
    await page.goto(`${site.base}/admin/articles/new`);
    await body(page).click();
    await page.keyboard.type('فقرة كُتبت قبل العنوان، ولا ينبغي أن تضيع.');
    await page.waitForTimeout(500); // the local copy is written 300 ms after the last keystroke
    await page.reload();
    await body(page).waitFor();
    assert.match(await body(page).innerText(), /فقرة كُتبت قبل العنوان/);
    assert.match(await page.locator('[data-autosave-status]').innerText(), /استُعيد نصّ لم يُحفظ بعد/);

    await page.locator('#f-title').fill('عنوان بعد الفقرة');
    await page.waitForTimeout(500);
    let asked = 0;
    page.on('dialog', (d) => d.type() === 'beforeunload' && asked++);
    await page.goto(`${site.base}/admin/media`);
    assert.equal(asked, 1, 'leaving with unsaved changes asked first');
    await page.goBack();
    await body(page).waitFor();
    assert.equal(await page.locator('#f-title').inputValue(), 'عنوان بعد الفقرة');
    assert.match(await body(page).innerText(), /فقرة كُتبت قبل العنوان/);
    // Discarding the local copy gives the page as the server has it.
    await page.getByRole('button', { name: 'تجاهل النسخة المحلية' }).click();
    await page.waitForLoadState('load');
    await body(page).waitFor();
    assert.doesNotMatch(await body(page).innerText(), /فقرة كُتبت قبل العنوان/);

    // Signing out leaves no copy behind for the next person on this browser.
    await body(page).click();
    await page.keyboard.type('سطر لم يُحفظ قبل الخروج.');
    await page.waitForTimeout(500);
    const drafts = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('safir-draft:')));
    assert.equal((await drafts()).length, 1);
    await page.getByRole('button', { name: 'خروج' }).click();
    await page.waitForURL(/\/admin\/sign-in/);
    assert.deepEqual(await drafts(), []);
    await page.context().close();
  });

  test('saving while the database is out of reach keeps the page and the text; once it is back, the save goes through', async () => {
    const page = await signedIn();
    await page.goto(`${site.base}/admin/articles/new`);
    await page.locator('#f-title').fill('مقال كُتب أثناء انقطاع قاعدة البيانات');
    await page.getByLabel('القسم').selectOption({ label: 'سياسة' });
    await body(page).click();
    await page.keyboard.type('نص مهم كتبه المحرر ولا يجوز أن يضيع.');
    await proxy.set('refuse');
    try {
      await page.getByRole('button', { name: 'نشر' }).click();
      const status = page.locator('[data-autosave-status][data-save-failed]');
      await status.waitFor({ timeout: 10_000 });
      assert.match(await status.innerText(), /قاعدة البيانات غير متاحة الآن. نصّك محفوظ في هذا المتصفح/);
      assert.match(page.url(), /\/admin\/articles\/new$/, 'still on the editor');
      assert.match(await body(page).innerText(), /نص مهم كتبه المحرر/);
    } finally {
      await proxy.set('pass');
    }
    await page.getByRole('button', { name: 'نشر' }).click();
    await page.waitForURL(/done=published/, { timeout: 10_000 }).catch(async (err: unknown) => {
      throw new Error(
        `${(err as Error).message}\n${page.url()}\n${(await page.locator('main').innerText()).replace(/\s+/g, ' ').slice(0, 3000)}`,
      );
    });
    const slug = await page.locator('#f-slug').inputValue();
    const published = await (await fetch(`${site.base}/article/${encodeURIComponent(slug)}`)).text();
    assert.match(published, /نص مهم كتبه المحرر ولا يجوز أن يضيع/);
    // Saved: the local copy is gone, so reopening the editor shows no restored text.
    await page.reload();
    await body(page).waitFor();
    assert.doesNotMatch(await page.locator('[data-autosave-status]').innerText(), /استُعيد/);
    const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('safir-draft:')));
    assert.deepEqual(left, [], 'no local copy left once saved');
    await page.context().close();
  });
});
