import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { SEED_ARTICLE } from '../../src/content/demo/demo-content.js';
import { axeViolations, describeViolations, launchBrowser } from '../helpers/browser.js';
import { startSite, type TestSite } from '../helpers/server.js';

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

describe('the reading site in Chromium', () => {
  let site: TestSite;
  let browser: Browser;
  let articlePath: string;
  const contexts: BrowserContext[] = [];

  // `axe` pages bypass our Content-Security-Policy, which (rightly) refuses axe-core's injected script;
  // every other page runs under the real policy, so the theme's own scripts are checked against it.
  const open = async (path: string, opts: { width?: number; javaScript?: boolean; axe?: boolean } = {}) => {
    const context = await browser.newContext({
      viewport: { width: opts.width ?? 1280, height: 900 },
      javaScriptEnabled: opts.javaScript ?? true,
      bypassCSP: opts.axe ?? false,
    });
    contexts.push(context);
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    const response = await page.goto(site.base + path, { waitUntil: 'networkidle' });
    return { page, response, requested };
  };

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    site = await startSite('sqlite');
    browser = await launchBrowser();
    articlePath = `/article/${encodeURIComponent((await site.services.content.lead())!.slug)}`;
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await site?.close();
  });

  test('home and the seed article render RTL Arabic with the seed text, author box and footer', async () => {
    const home = await open('/');
    assert.equal(await home.page.getAttribute('html', 'dir'), 'rtl');
    assert.equal(await home.page.getAttribute('html', 'lang'), 'ar');
    assert.ok((await home.page.locator('#lead-title').innerText()).includes(SEED_ARTICLE.title));

    const { page } = await open(articlePath);
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    assert.equal((await page.locator('h1').innerText()).trim(), SEED_ARTICLE.title);
    assert.equal((await page.locator('.article-body p').innerText()).trim(), SEED_ARTICLE.body);
    const box = page.locator('.author-box');
    assert.ok(await box.isVisible());
    assert.match(await box.innerText(), /عن الكاتب[\s\S]*فريق تحرير السفير/);
    const footer = await page.locator('footer').innerText();
    assert.ok(footer.includes(`جميع الحقوق محفوظة © ${new Date().getFullYear()} مجلة السفير`));
    assert.ok(footer.includes('يعمل بنظام سفير للنشر'));
    // The direction is really right-to-left: the title's text starts at the right edge of its box.
    const align = await page.locator('h1').evaluate((el) => getComputedStyle(el).direction);
    assert.equal(align, 'rtl');
  });

  test('axe-core finds no violations on home, article, category and 404 pages', async () => {
    for (const path of ['/', articlePath, `/category/${encodeURIComponent('سياسة')}`, '/no-such-page']) {
      const { page } = await open(path, { axe: true });
      const violations = await axeViolations(page);
      assert.equal(violations.length, 0, `${decodeURIComponent(path)}:\n${describeViolations(violations)}`);
    }
  });

  test('the accessibility check is live: a planted image without alt text is reported', async () => {
    const { page } = await open('/', { axe: true });
    await page.evaluate(() => document.querySelector('main')!.insertAdjacentHTML('beforeend', '<img src="/x.png">'));
    const violations = await axeViolations(page);
    assert.ok(violations.some((v) => v.id === 'image-alt'));
  });

  test('no horizontal scroll at 320, 375 and 1280 px (screenshots in test-results/)', async () => {
    for (const width of [320, 375, 1280]) {
      for (const [name, path] of [
        ['home', '/'],
        ['article', articlePath],
        ['category', `/category/${encodeURIComponent('سياسة')}`],
      ] as const) {
        const { page } = await open(path, { width });
        await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.ok(overflow <= 0, `${name} at ${width}px scrolls sideways by ${overflow}px`);
      }
    }
  });

  test('the article reads without JavaScript, asks no host but the site, and weighs under 30 KB gzip (HTML + CSS)', async () => {
    const { page, requested } = await open(articlePath, { javaScript: false });
    assert.ok(await page.locator('.article-body').isVisible());
    assert.equal((await page.locator('h1').innerText()).trim(), SEED_ARTICLE.title);
    const origin = new URL(site.base).origin;
    const foreign = requested.filter((u) => new URL(u).origin !== origin);
    assert.deepEqual(foreign, [], 'every request goes to the site itself');

    const html = await (await fetch(site.base + articlePath)).text();
    const cssPath = html.match(/<link rel="stylesheet" href="([^"]+)"/)?.[1];
    assert.ok(cssPath);
    const css = await (await fetch(site.base + cssPath)).text();
    const weight = gzipSync(html).length + gzipSync(css).length;
    console.log(
      `article page weight: HTML ${gzipSync(html).length} B + CSS ${gzipSync(css).length} B gzip = ${weight} B`,
    );
    assert.ok(weight < 30 * 1024, `HTML + CSS gzip is ${weight} bytes`);
  });

  test('the dark-mode toggle switches without a reload and is remembered', async () => {
    const { page } = await open(articlePath);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const before = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const toggle = page.locator('[data-theme-toggle]');
    assert.ok(await toggle.isVisible(), 'the toggle shows when JavaScript runs');
    await toggle.click();
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    const afterClick = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(afterClick, before);
    assert.equal(
      await page.evaluate(() => (window as unknown as { marker?: number }).marker),
      42,
      'no reload happened',
    );
    await page.reload();
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark', 'the choice survives a reload');

    const dark = await open(articlePath, { axe: true });
    await dark.page.locator('[data-theme-toggle]').click();
    assert.equal(await dark.page.getAttribute('html', 'data-theme'), 'dark');
    const violations = await axeViolations(dark.page);
    assert.equal(violations.length, 0, `dark mode:\n${describeViolations(violations)}`);
  });

  test('pages run under a Content-Security-Policy that allows only the site itself', async () => {
    const { page, response } = await open(articlePath);
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'self'/);
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.reload({ waitUntil: 'networkidle' });
    assert.deepEqual(errors, [], 'no CSP violation from our own markup');
  });

  test('search: the header box works without JavaScript, marks the words, and the results page passes axe', async () => {
    const { page } = await open('/', { javaScript: false });
    await page.fill('#site-search', 'مكافحه الوباء');
    await Promise.all([page.waitForURL(/\/search\?q=/), page.press('#site-search', 'Enter')]);
    assert.equal((await page.locator('.result h2').first().innerText()).trim(), SEED_ARTICLE.title);
    assert.deepEqual(await page.locator('.result mark').allInnerTexts(), ['مكافحة', 'الوباء']);
    assert.equal(await page.inputValue('#site-search'), 'مكافحه الوباء', 'the box keeps the query');
    const a11y = await open(`/search?q=${encodeURIComponent('روسيا')}`, { axe: true });
    const violations = await axeViolations(a11y.page);
    assert.equal(violations.length, 0, `search page:\n${describeViolations(violations)}`);
  });

  test('search: suggestions appear as you type, under the page Content-Security-Policy', async () => {
    const { page } = await open(articlePath);
    await page.locator('#site-search').pressSequentially('شنغ', { delay: 30 });
    const first = page.locator('#search-suggestions a').first();
    await first.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal((await first.innerText()).trim(), SEED_ARTICLE.title);
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), SEED_ARTICLE.title);
  });

  test('the toggle is hidden and harmless without JavaScript; a skip link leads to the content', async () => {
    const { page } = await open(articlePath, { javaScript: false });
    assert.equal(await page.locator('[data-theme-toggle]').isVisible(), false);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('href'));
    assert.equal(focused, '#main');
  });
});
