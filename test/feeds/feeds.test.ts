import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { extractFromJson, extractFromXml } from '@extractus/feed-extractor';
import { SEED_ARTICLE } from '../../src/content/demo/demo-content.js';
import { ensureCategory, saveArticle } from '../../src/content/service.js';
import { get, startSite, type TestSite } from '../helpers/server.js';

// The sitemaps.org protocol schemas, as in ../shared/schemas, kept in the repository so that a clone anywhere can validate.
const SCHEMAS = join(process.cwd(), 'test', 'fixtures', 'schemas');
const work = mkdtempSync(join(tmpdir(), 'safir-sitemaps-'));

/** xmllint against the sitemaps.org schema, with the extension elements (checked separately) taken out. */
function validate(xml: string, schema: 'sitemap.xsd' | 'siteindex.xsd'): void {
  const core = xml.replace(/<image:image>.*?<\/image:image>/gs, '').replace(/<news:news>.*?<\/news:news>/gs, '');
  const file = join(work, `${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, core);
  execFileSync('xmllint', ['--noout', '--schema', join(SCHEMAS, schema), file], { stdio: 'pipe' });
}

describe('feeds, sitemaps and page metadata', () => {
  let site: TestSite;
  let articleSlug: string;
  before(async () => {
    site = await startSite('sqlite');
    const lead = (await site.services.content.lead())!;
    articleSlug = lead.slug;
    // A draft and a scheduled article must never show up anywhere.
    const categoryId = await ensureCategory(site.db.db, { name: 'سياسة' });
    await saveArticle(site.db.db, {
      title: 'مسودة سرية',
      bodyHtml: '<p>لا</p>',
      status: 'draft',
      authorId: lead.author.id,
      categoryId,
    });
    await saveArticle(site.db.db, {
      title: 'مجدول لاحقاً',
      bodyHtml: '<p>لا</p>',
      status: 'scheduled',
      publishedAt: new Date(Date.now() + 86_400_000).toISOString(),
      authorId: lead.author.id,
      categoryId,
    });
  });
  after(() => site.close());

  const feedUrls = async () => {
    const lead = (await site.services.content.articleBySlug(articleSlug))!;
    const bases = [
      '',
      `/category/${encodeURIComponent(lead.category.slug)}`,
      `/tag/${encodeURIComponent(lead.tags[0]!.slug)}`,
      `/author/${encodeURIComponent(lead.author.slug)}`,
    ];
    return bases.flatMap((b) => [`${b}/feed`, `${b}/feed/atom`, `${b}/feed/json`]);
  };

  test('every feed parses with a real feed parser and carries the seed title unchanged', async () => {
    for (const url of await feedUrls()) {
      const res = await get(site, url);
      assert.equal(res.status, 200, url);
      const feed = url.endsWith('/json') ? extractFromJson(JSON.parse(res.text)) : extractFromXml(res.text);
      assert.ok(feed, url);
      const titles = (feed.entries ?? []).map((e) => e.title);
      assert.ok(titles.includes(SEED_ARTICLE.title), `${url}: ${titles.join(' | ')}`);
      assert.ok(!titles.some((t) => t === 'مسودة سرية' || t === 'مجدول لاحقاً'), `${url} leaks unpublished work`);
      const seed = feed.entries!.find((e) => e.title === SEED_ARTICLE.title)!;
      assert.match(seed.link!, /^http:\/\/127\.0\.0\.1:\d+\/article\//);
      assert.ok(!Number.isNaN(Date.parse(seed.published!)), `${url}: date ${seed.published}`);
    }
  });

  test('RSS: RFC 822 dates, language, full text, enclosure with its real size; Atom: RFC 3339; JSON Feed 1.1', async () => {
    const rss = (await get(site, '/feed')).text;
    assert.match(rss, /<language>ar<\/language>/);
    assert.match(
      rss,
      /<pubDate>(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT<\/pubDate>/,
    );
    assert.match(rss, /<content:encoded>&lt;p&gt;/, 'full text, escaped');
    const enclosure = /<enclosure url="([^"]+)" length="(\d+)" type="image\/webp"\/>/.exec(rss);
    assert.ok(enclosure, 'featured image as enclosure');
    const image = await fetch(enclosure[1]!);
    assert.equal(Number(enclosure[2]), (await image.arrayBuffer()).byteLength);
    const atom = (await get(site, '/feed/atom')).text;
    assert.match(atom, /<updated>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z<\/updated>/);
    assert.match(atom, /xml:lang="ar"/);
    const json = JSON.parse((await get(site, '/feed/json')).text) as {
      version: string;
      language: string;
      items: { date_published: string; authors: unknown[] }[];
    };
    assert.equal(json.version, 'https://jsonfeed.org/version/1.1');
    assert.equal(json.language, 'ar');
    assert.match(json.items[0]!.date_published, /Z$/);
  });

  test('conditional GET: ETag and Last-Modified answer 304', async () => {
    const first = await get(site, '/feed');
    const etag = first.headers.get('etag')!;
    const modified = first.headers.get('last-modified')!;
    assert.ok(etag && modified);
    assert.equal((await get(site, '/feed', { 'if-none-match': etag })).status, 304);
    assert.equal((await get(site, '/feed', { 'if-modified-since': modified })).status, 304);
    assert.equal((await get(site, '/feed', { 'if-modified-since': 'Thu, 01 Jan 2015 00:00:00 GMT' })).status, 200);
    // WordPress's name for the same feed goes to it; an unknown one is not found.
    const rss2 = await get(site, '/feed/rss2');
    assert.equal(rss2.status, 301);
    assert.equal(rss2.headers.get('location'), '/feed');
    assert.equal((await get(site, '/feed/rss3')).status, 404);
  });

  test('pages announce their feeds', async () => {
    const home = (await get(site, '/')).text;
    assert.match(home, /<link rel="alternate" type="application\/rss\+xml" title="مجلة السفير" href="\/feed">/);
    const lead = (await site.services.content.articleBySlug(articleSlug))!;
    const category = (await get(site, `/category/${encodeURIComponent(lead.category.slug)}`)).text;
    assert.ok(category.includes(`href="/category/${encodeURIComponent(lead.category.slug)}/feed/atom"`));
  });

  test('the sitemap index and every sitemap validate against the sitemaps.org schemas', async () => {
    const index = await get(site, '/sitemap.xml');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type')!, /application\/xml/);
    validate(index.text, 'siteindex.xsd');
    const locs = [...index.text.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!);
    assert.ok(locs.some((l) => l.endsWith('/sitemaps/articles-1.xml')));
    const all: string[] = [];
    for (const loc of locs) {
      const res = await fetch(loc);
      assert.equal(res.status, 200, loc);
      const xml = await res.text();
      validate(xml, 'sitemap.xsd');
      all.push(xml);
    }
    const joined = all.join('\n');
    assert.ok(joined.includes(`/article/${encodeURIComponent(articleSlug)}</loc>`), 'Arabic slugs percent-encoded');
    assert.ok(!/%D9%85%D8%B3%D9%88%D8%AF%D8%A9|مسودة سرية|مجدول/.test(joined), 'no drafts or scheduled articles');
    // Image extension: one image:loc per featured image, absolute.
    assert.match(joined, /<image:image><image:loc>http:\/\/127\.0\.0\.1:\d+\/media\/[^<]+<\/image:loc><\/image:image>/);
  });

  test('the Google News sitemap follows Google’s rules field by field', async () => {
    const xml = (await get(site, '/sitemaps/news.xml')).text;
    assert.match(xml, /xmlns:news="http:\/\/www\.google\.com\/schemas\/sitemap-news\/0\.9"/);
    const entries = [...xml.matchAll(/<url>(.*?)<\/url>/gs)].map((m) => m[1]!);
    assert.ok(entries.length >= 1 && entries.length <= 1000);
    for (const e of entries) {
      assert.match(
        e,
        /<news:publication><news:name>مجلة السفير<\/news:name><news:language>ar<\/news:language><\/news:publication>/,
      );
      const date = /<news:publication_date>([^<]+)<\/news:publication_date>/.exec(e)![1]!;
      assert.match(date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.ok(Date.now() - Date.parse(date) <= 48 * 3600_000, 'only the last 48 hours');
      assert.match(e, /<news:title>[^<]+<\/news:title>/);
    }
    assert.ok(xml.includes(`<news:title>${SEED_ARTICLE.title}</news:title>`));
  });

  test('robots.txt points at the sitemap and keeps crawlers out of the admin', async () => {
    const robots = await get(site, '/robots.txt');
    assert.match(robots.text, /^User-agent: \*$/m);
    assert.match(robots.text, /^Disallow: \/admin$/m);
    assert.match(robots.text, /^Sitemap: http:\/\/127\.0\.0\.1:\d+\/sitemap\.xml$/m);
  });

  test('settings: excerpt-only feeds and extra robots.txt lines', async () => {
    await site.services.settings.update({ feedFullText: false, robotsTxt: 'Disallow: /private' });
    site.services.site.invalidate();
    site.services.pageCache.clear();
    const rss = (await get(site, '/feed')).text;
    assert.doesNotMatch(rss, /<content:encoded>/);
    assert.match(rss, /<description>[^<]+<\/description>/);
    assert.match((await get(site, '/robots.txt')).text, /^Disallow: \/private$/m);
    await site.services.settings.update({ feedFullText: true, robotsTxt: '' });
    site.services.site.invalidate();
    site.services.pageCache.clear();
  });

  test('article pages carry OpenGraph, Twitter Card and NewsArticle / BreadcrumbList JSON-LD', async () => {
    const page = (await get(site, `/article/${encodeURIComponent(articleSlug)}`)).text;
    assert.match(page, /<meta property="og:locale" content="ar_AR">/);
    assert.match(page, /<meta property="og:type" content="article">/);
    assert.ok(page.includes(`<meta property="og:title" content="${SEED_ARTICLE.title}">`));
    assert.match(page, /<meta property="og:image:width" content="\d+">/);
    assert.match(page, /<meta name="twitter:card" content="summary_large_image">/);
    const blocks = [...page.matchAll(/<script type="application\/ld\+json">(.*?)<\/script>/gs)].map(
      (m) => JSON.parse(m[1]!) as Record<string, any>,
    );
    const article = blocks.find((b) => b['@type'] === 'NewsArticle')!;
    for (const key of [
      'headline',
      'description',
      'image',
      'datePublished',
      'dateModified',
      'author',
      'publisher',
      'inLanguage',
      'articleSection',
      'keywords',
    ])
      assert.ok(article[key] !== undefined && article[key] !== '', `NewsArticle.${key}`);
    assert.equal(article.headline, SEED_ARTICLE.title);
    assert.equal(article.inLanguage, 'ar');
    assert.match(article.author[0].url, /\/author\//);
    const crumbs = blocks.find((b) => b['@type'] === 'BreadcrumbList')!;
    assert.equal(crumbs.itemListElement.length, 3);
    const home = (await get(site, '/')).text;
    const homeBlocks = [...home.matchAll(/<script type="application\/ld\+json">(.*?)<\/script>/gs)].map(
      (m) => JSON.parse(m[1]!) as Record<string, any>,
    );
    const website = homeBlocks.find((b) => b['@type'] === 'WebSite')!;
    assert.equal(website.potentialAction['@type'], 'SearchAction');
    assert.match(website.potentialAction.target.urlTemplate, /\/search\?q=\{search_term_string\}$/);
    assert.ok(homeBlocks.find((b) => b['@type'] === 'NewsMediaOrganization'));
  });
});
