import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ContentRepository } from '../../src/content/repository.js';
import { importJsonl, parseRecord } from '../../src/import/jsonl.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

const record = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    title: `عنوان الخبر ${id}`,
    body: 'الفقرة الأولى من الخبر.\n\nالفقرة الثانية <b>بخط عريض</b>.',
    category: 'sport',
    category_ar: 'رياضة',
    source: 'BBC Arabic',
    date: '2018-03-26T01:10:27+04:00',
    author: 'القاهرة - أحمد الريدي',
    summary: null,
    url: 'https://example.com/x',
    ...extra,
  });

test('parseRecord says why a line cannot be imported', () => {
  assert.equal(parseRecord('{not json'), 'not valid JSON');
  assert.equal(parseRecord('[1,2]'), 'not a JSON object');
  assert.equal(parseRecord(record('a', { title: '' })), 'missing or empty "title"');
  assert.equal(parseRecord(record('a', { date: 'yesterday' })), 'unreadable date "yesterday"');
  assert.equal(parseRecord(record('a', { author: 5 })), '"author" must be a string or null');
  assert.equal(typeof parseRecord(record('a')), 'object');
});

for (const dialect of DIALECTS) {
  describe(`JSONL import on ${dialect}`, () => {
    let db: TestDatabase;
    let file: string;
    before(async () => {
      db = await createTestDatabase(dialect);
      file = join(db.dir, 'corpus.jsonl');
      writeFileSync(
        file,
        [
          record('BB-sport-1-20180326'),
          '{"id": "broken", ',
          record('BB-sport-2-20180327', { author: null, source: 'CNN Arabic', date: '2016-08-16' }),
          '',
          record('BB-sport-3-20180328', { category: 'economy', category_ar: 'اقتصاد', summary: 'ملخص الخبر.' }),
          JSON.stringify({ id: 'x' }),
        ].join('\n'),
      );
    });
    after(() => db.drop());

    test('imports valid lines, reports bad ones by line number, and re-runs without duplicates', async () => {
      const first = await importJsonl(db.db, file, { batchSize: 2 });
      assert.equal(first.created, 3);
      assert.equal(first.updated, 0);
      assert.deepEqual(
        first.skipped.map((s) => s.line),
        [2, 6],
      );
      const second = await importJsonl(db.db, file);
      assert.equal(second.created, 0);
      assert.equal(second.updated, 3);
      const count = await db.db
        .selectFrom('articles')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 3);
    });

    test('categories, authors, outlets as tags, dates and bodies land as documented', async () => {
      const repo = new ContentRepository(db.db);
      const categories = await repo.categories();
      assert.deepEqual(categories.map((c) => [c.slug, c.name]).sort(), [
        ['economy', 'اقتصاد'],
        ['sport', 'رياضة'],
      ]);
      const list = await repo.listPublished({}, { limit: 10, offset: 0 });
      const byTitle = new Map(list.map((a) => [a.title, a]));
      assert.equal(byTitle.get('عنوان الخبر BB-sport-1-20180326')?.author.name, 'أحمد الريدي');
      assert.equal(byTitle.get('عنوان الخبر BB-sport-2-20180327')?.author.name, 'CNN Arabic', 'the outlet stands in');
      assert.equal(byTitle.get('عنوان الخبر BB-sport-1-20180326')?.published_at, '2018-03-25T21:10:27.000Z');
      assert.equal(byTitle.get('عنوان الخبر BB-sport-3-20180328')?.excerpt, 'ملخص الخبر.');
      const detail = await repo.articleBySlug(byTitle.get('عنوان الخبر BB-sport-1-20180326')!.slug);
      assert.equal(
        detail?.body_html,
        '<p>الفقرة الأولى من الخبر.</p>\n<p>الفقرة الثانية &lt;b&gt;بخط عريض&lt;/b&gt;.</p>',
      );
      assert.deepEqual(
        detail?.tags.map((t) => t.name),
        ['BBC Arabic'],
      );
    });
  });
}
