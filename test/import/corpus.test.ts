import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { slugify } from '../../src/content/slug.js';
import { importJsonl } from '../../src/import/jsonl.js';
import { afterBulkLoad } from '../../src/db/maintenance.js';
import { CORPUS_FILE, corpusAvailable } from '../helpers/corpus.js';
import { DIALECTS } from '../helpers/databases.js';
import { get, getJson, startSite, type TestSite } from '../helpers/server.js';

interface Line {
  id: string;
  category: string;
  source: string;
}

const enc = encodeURIComponent;

/** All article links of an archive, page by page, following the "older" link until there is none. */
async function crawlArchive(site: TestSite, path: string): Promise<{ links: string[]; pages: number }> {
  const links: string[] = [];
  let pages = 0;
  let next: string | undefined = path;
  while (next) {
    const res = await get(site, next);
    assert.equal(res.status, 200, next);
    pages++;
    const main = res.text.slice(res.text.indexOf('<main'), res.text.indexOf('</main>'));
    for (const m of main.matchAll(/<h2><a href="(\/article\/[^"]+)">/g)) links.push(m[1]!);
    next = main.match(/<a href="([^"]+)" rel="next">/)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(pages < 1000, 'pagination must end');
  }
  return { links, pages };
}

describe('the whole shared corpus', { skip: corpusAvailable ? false : `no corpus at ${CORPUS_FILE}` }, () => {
  const lines: Line[] = corpusAvailable
    ? readFileSync(CORPUS_FILE, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line)
    : [];
  const countBy = (key: (l: Line) => string) => {
    const m = new Map<string, number>();
    for (const l of lines) m.set(key(l), (m.get(key(l)) ?? 0) + 1);
    return m;
  };

  for (const dialect of DIALECTS) {
    describe(`on ${dialect}`, () => {
      let site: TestSite;
      before(async () => {
        site = await startSite(dialect, { seed: false });
      });
      after(() => site.close());

      test('imports every article once, and again without duplicates', async () => {
        const first = await importJsonl(site.db.db, CORPUS_FILE);
        console.log(`${dialect}: imported ${first.created} articles in ${(first.ms / 1000).toFixed(1)} s`);
        assert.equal(first.created, lines.length);
        assert.equal(first.skipped.length, 0);
        await afterBulkLoad(site.db);
        const again = await importJsonl(site.db.db, CORPUS_FILE);
        assert.equal(again.created, 0);
        assert.equal(again.updated, lines.length);
        await site.services.outbox.caughtUp();
      });

      test('API totals match the corpus, overall and per category and outlet', async () => {
        const all = await getJson<{ total: number; pages: number }>(site, '/api/v1/articles?limit=100');
        assert.equal(all.body.total, lines.length);
        assert.equal(all.body.pages, Math.ceil(lines.length / 100));
        for (const [category, n] of countBy((l) => l.category)) {
          const res = await getJson<{ total: number }>(
            site,
            `/api/v1/articles?limit=1&category=${enc(slugify(category))}`,
          );
          assert.equal(res.body.total, n, category);
        }
        for (const [source, n] of countBy((l) => l.source)) {
          const res = await getJson<{ total: number }>(site, `/api/v1/articles?limit=1&tag=${enc(slugify(source))}`);
          assert.equal(res.body.total, n, source);
        }
        const cats = await getJson<{ categories: { slug: string; count: number }[] }>(site, '/api/v1/categories');
        assert.equal(
          cats.body.categories.reduce((n, c) => n + c.count, 0),
          lines.length,
        );
      });

      test('every category and outlet archive paginates through each of its articles exactly once', async () => {
        const perPage = (await site.services.settings.get()).postsPerPage;
        const archives = [
          ...[...countBy((l) => l.category)].map(([c, n]) => [`/category/${enc(slugify(c))}`, n] as const),
          ...[...countBy((l) => l.source)].map(([s, n]) => [`/tag/${enc(slugify(s))}`, n] as const),
        ];
        for (const [path, expected] of archives) {
          const { links, pages } = await crawlArchive(site, path);
          assert.equal(pages, Math.ceil(expected / perPage), path);
          assert.equal(links.length, expected, path);
          assert.equal(new Set(links).size, expected, `${path} repeats an article across pages`);
          assert.equal((await get(site, `${path}?page=${pages + 1}`)).status, 404, `${path} past the last page`);
        }
      });

      test('the API walks a whole list by cursor: the same articles in the same order as page by page', async () => {
        type Page = { articles: { url: string }[]; next_cursor: string | null; page: number | null; pages: number };
        for (const list of ['', `&tag=${enc(slugify(lines[0]!.source))}`]) {
          const byPage: string[] = [];
          const first = await getJson<Page>(site, `/api/v1/articles?limit=100${list}`);
          for (let page = 1; page <= first.body.pages; page++)
            byPage.push(
              ...(await getJson<Page>(site, `/api/v1/articles?limit=100&page=${page}${list}`)).body.articles.map(
                (a) => a.url,
              ),
            );
          const byCursor: string[] = [];
          let cursor: string | null = '';
          while (cursor !== null) {
            const res: { status: number; body: Page } = await getJson<Page>(
              site,
              `/api/v1/articles?limit=100${cursor ? `&cursor=${cursor}` : ''}${list}`,
            );
            assert.equal(res.status, 200);
            if (cursor) assert.equal(res.body.page, null);
            byCursor.push(...res.body.articles.map((a) => a.url));
            cursor = res.body.next_cursor;
          }
          assert.ok(byPage.length > 100, `${list}: more than one page`);
          assert.equal(new Set(byCursor).size, byCursor.length, `${list}: no article twice`);
          assert.deepEqual(byCursor, byPage, list || 'all articles');
        }
      });

      test('author archives add up to the whole corpus', async () => {
        const authors = await site.db.db.selectFrom('authors').select('slug').execute();
        let total = 0;
        for (const { slug } of authors) {
          const res = await getJson<{ articles_count: number }>(site, `/api/v1/authors/${enc(slug)}`);
          assert.equal(res.status, 200, slug);
          total += res.body.articles_count;
        }
        assert.equal(total, lines.length);
        const biggest = await getJson<{ total: number; pages: number }>(
          site,
          `/api/v1/articles?limit=12&author=${enc(slugify('BBC Arabic'))}`,
        );
        const { links } = await crawlArchive(site, `/author/${enc(slugify('BBC Arabic'))}`);
        assert.equal(links.length, biggest.body.total);
      });
    });
  }
});
