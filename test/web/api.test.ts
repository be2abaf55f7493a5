import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SEED_ARTICLE } from '../../src/content/demo/demo-content.js';
import { DIALECTS } from '../helpers/databases.js';
import { getJson, startSite, type TestSite } from '../helpers/server.js';

const enc = encodeURIComponent;

interface ArticleJson {
  id: number;
  slug: string;
  title: string;
  excerpt: string;
  protected: boolean;
  url: string;
  published_at: string;
  updated_at: string;
  author: { name: string; slug: string; url: string };
  category: { name: string; slug: string; url: string };
  tags: { name: string; slug: string }[];
  html?: string;
}
interface ListJson {
  articles: ArticleJson[];
  page: number;
  pages: number;
  total: number;
}
interface ErrorJson {
  errors: { code: string; status: number; message: string; message_ar: string; message_en: string; field?: string }[];
}

for (const dialect of DIALECTS) {
  describe(`content API on ${dialect}`, () => {
    let site: TestSite;
    before(async () => {
      site = await startSite(dialect);
    });
    after(() => site.close());

    test('GET /api/v1/articles lists published articles newest first with the documented shape', async () => {
      const { status, body } = await getJson<ListJson>(site, '/api/v1/articles');
      assert.equal(status, 200);
      assert.equal(body.total, 2);
      assert.equal(body.page, 1);
      assert.equal(body.pages, 1);
      const [first] = body.articles;
      assert.ok(first);
      assert.deepEqual(Object.keys(first).sort(), [
        'author',
        'category',
        'excerpt',
        'id',
        'protected',
        'published_at',
        'slug',
        'tags',
        'title',
        'updated_at',
        'url',
      ]);
      assert.equal(first.title, SEED_ARTICLE.title);
      assert.equal(first.protected, false);
      assert.equal(first.url, `${site.base}/article/${enc(first.slug)}`);
      assert.equal(first.category.name, 'سياسة');
      assert.equal(first.author.url, `${site.base}/author/${enc(first.author.slug)}`);
      assert.equal(first.tags.length, SEED_ARTICLE.tags.length);
      assert.ok(!('html' in first));
    });

    test('filters and pagination', async () => {
      const byCat = await getJson<ListJson>(site, `/api/v1/articles?category=${enc('سياسة')}`);
      assert.equal(byCat.body.total, 1);
      const byTag = await getJson<ListJson>(site, `/api/v1/articles?tag=${enc('بوتين')}`);
      assert.equal(byTag.body.articles[0]?.title, SEED_ARTICLE.title);
      const byAuthor = await getJson<ListJson>(site, `/api/v1/articles?author=${enc('فريق-التحرير')}`);
      assert.equal(byAuthor.body.total, 2);
      const paged = await getJson<ListJson>(site, '/api/v1/articles?limit=1&page=2');
      assert.equal(paged.body.pages, 2);
      assert.equal(paged.body.articles.length, 1);
      assert.notEqual(paged.body.articles[0]?.title, SEED_ARTICLE.title);
      const beyond = await getJson<ListJson>(site, '/api/v1/articles?limit=1&page=3');
      assert.equal(beyond.status, 200);
      assert.equal(beyond.body.articles.length, 0);
      // Walking by cursor gives the pages' articles in the same order, then ends.
      const first = await getJson<ListJson & { next_cursor: string | null }>(site, '/api/v1/articles?limit=1');
      assert.ok(first.body.next_cursor);
      const second = await getJson<ListJson & { next_cursor: string | null; page: number | null }>(
        site,
        `/api/v1/articles?limit=1&cursor=${first.body.next_cursor}`,
      );
      assert.equal(second.body.page, null);
      assert.equal(second.body.articles[0]?.title, paged.body.articles[0]?.title);
      const end = await getJson<ListJson & { next_cursor: string | null }>(
        site,
        `/api/v1/articles?limit=1&cursor=${second.body.next_cursor}`,
      );
      assert.deepEqual([end.body.articles.length, end.body.next_cursor], [0, null]);
    });

    test('GET /api/v1/articles/:slug adds the sanitized HTML', async () => {
      const list = await getJson<ListJson>(site, '/api/v1/articles?limit=1');
      const slug = list.body.articles[0]!.slug;
      for (const path of [`/api/v1/articles/${enc(slug)}`, `/api/v1/articles/${slug}`]) {
        const { status, body } = await getJson<ArticleJson>(site, path);
        assert.equal(status, 200);
        assert.equal(body.html, `<p>${SEED_ARTICLE.body}</p>`);
      }
    });

    test('categories with counts, and an author', async () => {
      const cats = await getJson<{
        categories: { name: string; slug: string; count: number; url: string; parent: string | null }[];
      }>(site, '/api/v1/categories');
      assert.equal(cats.status, 200);
      const politics = cats.body.categories.find((c) => c.slug === 'سياسة');
      assert.equal(politics?.count, 1);
      assert.equal(politics?.parent, null);
      const author = await getJson<{ name: string; articles_count: number }>(
        site,
        `/api/v1/authors/${enc('فريق-التحرير')}`,
      );
      assert.equal(author.status, 200);
      assert.equal(author.body.name, 'فريق تحرير السفير');
      assert.equal(author.body.articles_count, 2);
    });

    test('unknown slugs are 404 JSON; bad query values are 400 JSON with a message in both languages', async () => {
      for (const path of [
        '/api/v1/articles/no-such-article',
        `/api/v1/authors/${enc('مجهول')}`,
        `/api/v1/articles?category=${enc('غير-موجود')}`,
        '/api/v1/articles?tag=nope',
        '/api/v1/nothing-here',
      ]) {
        const { status, body } = await getJson<ErrorJson>(site, path);
        assert.equal(status, 404, path);
        assert.equal(body.errors[0]?.code, 'NOT_FOUND', path);
      }
      for (const query of [
        'page=0',
        'page=abc',
        'limit=0',
        'limit=101',
        'limit=-5',
        `page=${'9'.repeat(500)}`,
        'page=1&page=2',
        `category=${'x'.repeat(300)}`,
        'cursor=!!',
        `cursor=${Buffer.from('garbage').toString('base64url')}`,
        `cursor=${Buffer.from('2026-01-01T00:00:00.000Z|abc').toString('base64url')}`,
        `cursor=${Buffer.from('yesterday|5').toString('base64url')}`,
      ]) {
        const { status, body } = await getJson<ErrorJson>(site, `/api/v1/articles?${query}`);
        assert.equal(status, 400, query);
        assert.equal(body.errors[0]?.code, 'INVALID_INPUT', query);
        assert.ok(body.errors[0]?.message_ar && body.errors[0]?.message_en, query);
      }
    });
  });
}
