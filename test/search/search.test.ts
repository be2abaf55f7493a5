import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SEED_ARTICLE } from '../../src/content/demo/demo-content.js';
import { ensureAuthor, ensureCategory, saveArticle } from '../../src/content/service.js';
import { searchIndexFor } from '../../src/db/search/index.js';
import { analyze } from '../../src/search/analyzer.js';
import { reindexAll } from '../../src/search/indexer.js';
import { DIALECTS } from '../helpers/databases.js';
import { get, getJson, startSite, type TestSite } from '../helpers/server.js';

interface SearchJson {
  results: { slug: string; title: string; url: string; snippet: string; published_at: string; score: number }[];
  total: number;
  page: number;
  pages: number;
  suggestion?: { q: string; total: number };
  notices?: string[];
}

export const ACCEPTANCE_QUERIES = [
  'روسيا',
  'وروسيا',
  'أفغانستان',
  'افغانستان',
  'الأولمبية',
  'الاولمبية',
  'مُكافحة',
  'مكافحه',
  'الصيني',
  'بوتين',
  'شنغهاي',
  '"الحزام والطريق"',
  'شنغ',
];

const search = (site: TestSite, q: string, extra = '') =>
  getJson<SearchJson>(site, `/api/v1/search?q=${encodeURIComponent(q)}${extra}`);

for (const dialect of DIALECTS) {
  describe(`search on ${dialect}`, () => {
    let site: TestSite;
    before(async () => {
      site = await startSite(dialect);
    });
    after(() => site.close());

    test('every acceptance query finds the seed article', async () => {
      for (const q of ACCEPTANCE_QUERIES) {
        const { status, body } = await search(site, q);
        assert.equal(status, 200, q);
        assert.equal(body.results[0]?.title, SEED_ARTICLE.title, q);
      }
    });

    test('snippets mark the words as written, escape the rest, and stay readable right to left', async () => {
      const { body } = await search(site, 'مكافحه الوباء');
      const s = body.results[0]!.snippet;
      assert.match(s, /<mark>مكافحة<\/mark> <mark>الوباء<\/mark>/);
      assert.ok(!/<(?!\/?mark>)/.test(s), 'no tag but <mark>');
    });

    test('phrases must match in order; -word excludes; all words are required', async () => {
      assert.equal((await search(site, '"الحزام والطريق"')).body.total, 1);
      assert.equal((await search(site, '"والطريق الحزام"')).body.total, 0);
      assert.equal((await search(site, 'روسيا -بوتين')).body.total, 0);
      assert.equal((await search(site, 'روسيا بوتين')).body.total, 1);
      const partial = await search(site, 'روسيا كوكبالمريخ');
      assert.deepEqual(
        partial.body.notices,
        ['partial_match'],
        'no article has both words: those with some are shown, and said so',
      );
      assert.equal(partial.body.total, 1);
    });

    test('filters by category, author, tag and dates', async () => {
      const enc = encodeURIComponent;
      assert.equal((await search(site, 'روسيا', `&category=${enc('سياسة')}`)).body.total, 1);
      assert.equal((await search(site, 'روسيا', `&category=${enc('ثقافة')}`)).body.total, 0);
      assert.equal((await search(site, 'روسيا', `&author=${enc('فريق-التحرير')}`)).body.total, 1);
      assert.equal((await search(site, 'روسيا', `&tag=${enc('بوتين')}`)).body.total, 1);
      assert.equal((await search(site, 'روسيا', '&from=2000-01-01&to=2000-12-31')).body.total, 0);
      const today = new Date().toISOString().slice(0, 10);
      assert.equal((await search(site, 'روسيا', `&from=${today}&to=${today}`)).body.total, 1);
    });

    test('did you mean: a one-edit misspelling with no results suggests the word that has them', async () => {
      const { body } = await search(site, 'بوتيت روسيا');
      assert.deepEqual(body.notices, ['partial_match']);
      assert.equal(body.suggestion?.q, 'بوتين روسيا');
      assert.equal(body.suggestion?.total, 1);
      const page = await get(site, `/search?q=${encodeURIComponent('بوتيت روسيا')}`);
      assert.ok(page.text.includes('هل تقصد'));
    });

    test('bad input answers with a page or JSON and a helpful message, never a 500', async () => {
      const odd = [
        '',
        '   ',
        'ش'.repeat(10_000),
        'في من على',
        '!!! ... ؟؟؟ ،،،',
        '"روسيا بوتين',
        'روسيا"',
        'NEAR(روسيا بوتين)',
        'روسيا*',
        '^روسيا',
        '"',
        '""',
        '-',
        '-روسيا',
        "'; DROP TABLE articles; --",
        'روسيا OR 1=1',
        'a:b {c} (d) [e] <f>',
        'MATCH ) ( AND NOT',
      ];
      for (const q of odd) {
        const api = await search(site, q);
        assert.equal(api.status, 200, JSON.stringify(q.slice(0, 40)));
        assert.ok(Array.isArray(api.body.results));
        const page = await get(site, `/search?q=${encodeURIComponent(q)}`);
        assert.equal(page.status, 200, JSON.stringify(q.slice(0, 40)));
        assert.match(page.text, /<html lang="ar" dir="rtl">/);
      }
      // Control characters, invalid UTF-8 and broken escapes are refused at the edge with a 400 and a message.
      for (const raw of ['%00%01', '%ED%A0%80%D8%B1%D9%88%D8%B3%D9%8A%D8%A7', '%C3%28', '%FF%FE', '%', '%D8']) {
        const api = await getJson<{ errors: { message_ar: string; message_en: string }[] }>(
          site,
          `/api/v1/search?q=${raw}`,
        );
        assert.equal(api.status, 400, raw);
        assert.ok(api.body.errors[0]!.message_ar && api.body.errors[0]!.message_en, raw);
        const page = await get(site, `/search?q=${raw}`);
        assert.equal(page.status, 400, raw);
        assert.match(page.text, /<html lang="ar" dir="rtl">/);
      }
      assert.deepEqual((await search(site, '')).body.notices, ['empty_query']);
      assert.deepEqual((await search(site, '!!! ؟؟؟')).body.notices, ['nothing_searchable']);
      assert.ok((await search(site, 'ش'.repeat(10_000))).body.notices?.includes('truncated'));
      assert.equal((await search(site, 'في من على')).status, 200, 'stop words alone still search');
      assert.equal((await get(site, `/search?q=${'x'.repeat(30_000)}`)).status, 400, 'an absurd query is refused');
      assert.equal(
        (await get(site, `/search?q=${'x'.repeat(70_000)}`)).status,
        431,
        'an absurd URL is refused by the parser',
      );
      for (const bad of [
        '&page=0',
        '&limit=500',
        '&from=yesterday',
        '&from=2020-02-31',
        '&from=2021-01-02&to=2021-01-01',
      ]) {
        const r = await search(site, 'روسيا', bad);
        assert.equal(r.status, 400, bad);
      }
      assert.equal((await search(site, 'روسيا', '&category=nope')).status, 404);
    });

    test('a word matching more articles than are ranked counts up to the cap, ranks the newest, and says so', async () => {
      const db = site.db.db;
      const authorId = await ensureAuthor(db, { name: 'مراسل' });
      const categoryId = await ensureCategory(db, { name: 'فلك' });
      const ids: number[] = [];
      for (let i = 0; i < 7; i++)
        ids.push(
          await saveArticle(db, {
            title: `رصد مذنب رقم ${i}`,
            bodyHtml: '<p>مذنب يقترب.</p>',
            status: 'published',
            authorId,
            categoryId,
            publishedAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
          }),
        );
      const index = searchIndexFor(db, 4);
      const match = { terms: analyze('مذنب'), phrases: [], excluded: [] };
      const now = new Date().toISOString();
      const capped = await index.search(match, { now }, 10, 0);
      assert.equal(capped.total, 4);
      assert.equal(capped.capped, true);
      assert.deepEqual(
        capped.hits.map((h) => h.articleId).sort((a, b) => a - b),
        ids.slice(-4),
        'the newest four',
      );
      const past = await index.search(match, { now }, 10, 20);
      assert.deepEqual([past.total, past.capped, past.hits.length], [4, true, 0], 'past the last page: still counted');
      const all = await searchIndexFor(db, 7).search(match, { now }, 10, 0);
      assert.deepEqual([all.total, all.capped], [7, false], 'exactly the cap is not capped');
      // The three oldest lie outside the newest four: a filter applied after the cap would find none of them.
      const older = await index.search(match, { now, to: new Date(Date.UTC(2026, 0, 4)).toISOString() }, 10, 0);
      assert.deepEqual([older.total, older.capped], [3, false], 'filters apply before the cap');
    });

    test('the last word is a prefix while it may be unfinished; a word 20 articles contain is taken as typed', async () => {
      const db = site.db.db;
      const authorId = await ensureAuthor(db, { name: 'محرر الرياضة' });
      const categoryId = await ensureCategory(db, { name: 'رياضة' });
      const save = (title: string) =>
        saveArticle(db, { title, bodyHtml: `<p>${title}.</p>`, status: 'published', authorId, categoryId });
      // «Macron» as it stands in 20 articles; «Macronism», which starts with it, in one more.
      for (let i = 0; i < 20; i++) await save(`تصريح جديد من Macron رقم ${i}`);
      await save('مقال عن Macronism في فرنسا');
      const complete = await search(site, 'macron');
      assert.equal(complete.body.total, 20, 'the complete word: its own articles, not every word it begins');
      const unfinished = await search(site, 'macroni');
      assert.deepEqual(
        unfinished.body.results.map((r) => r.title),
        ['مقال عن Macronism في فرنسا'],
        'an unfinished word still finds what starts with it',
      );
      const index = searchIndexFor(db);
      const [term] = analyze('macron');
      assert.equal((await index.documentFrequencies([term!], 5)).get(term!), 5, 'a capped count stops at the cap');
      assert.equal((await index.documentFrequencies([term!])).get(term!), 20);
    });

    test('publishing, editing and unpublishing change results at once', async () => {
      const db = site.db.db;
      const authorId = await ensureAuthor(db, { name: 'مراسل' });
      const categoryId = await ensureCategory(db, { name: 'علوم' });
      const input = {
        title: 'اكتشاف نيزك نادر في الصحراء',
        bodyHtml: '<p>عثر باحثون على نيزك.</p>',
        authorId,
        categoryId,
        sourceId: 'test:meteor',
      };
      await saveArticle(db, { ...input, status: 'draft' });
      assert.equal((await search(site, 'نيزك')).body.total, 0, 'a draft is not found');
      await saveArticle(db, { ...input, status: 'published' });
      assert.equal((await search(site, 'نيزك')).body.total, 1, 'found once published');
      await saveArticle(db, {
        ...input,
        title: 'اكتشاف حجر فضائي نادر',
        bodyHtml: '<p>عثر باحثون على حجر.</p>',
        status: 'published',
      });
      assert.equal((await search(site, 'نيزك')).body.total, 0, 'the old words are gone after an edit');
      assert.equal((await search(site, 'فضائي')).body.total, 1);
      await saveArticle(db, { ...input, status: 'draft' });
      assert.equal((await search(site, 'فضائي')).body.total, 0, 'gone once unpublished');
    });

    test('a full reindex keeps search answering throughout', async () => {
      let answered = 0;
      let failed = 0;
      let done = false;
      const reader = (async () => {
        while (!done) {
          const r = await search(site, 'روسيا');
          if (r.status === 200 && r.body.total === 1) answered++;
          else failed++;
        }
      })();
      const n = await reindexAll(site.db.db, undefined, 1);
      done = true;
      await reader;
      assert.ok(n >= 2);
      assert.equal(failed, 0);
      assert.ok(answered > 0);
    });
  });
}
