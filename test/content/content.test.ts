import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SEED_ARTICLE } from '../../src/content/demo/demo-content.js';
import { seedDemoContent } from '../../src/content/demo/seed.js';
import { ContentRepository } from '../../src/content/repository.js';
import { renameArticle, ensureAuthor, ensureCategory, saveArticle } from '../../src/content/service.js';
import { SettingsStore, InvalidSettingError } from '../../src/content/settings.js';
import { AppError } from '../../src/shared/errors.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

for (const dialect of DIALECTS) {
  describe(`content on ${dialect}`, () => {
    let db: TestDatabase;
    let repo: ContentRepository;
    before(async () => {
      db = await createTestDatabase(dialect);
      repo = new ContentRepository(db.db);
    });
    after(() => db.drop());

    test('the demo seeds once: the seed article verbatim, its author, category, tags and cover image', async () => {
      const media = join(db.dir, 'media');
      assert.equal(await seedDemoContent(db, media), true);
      assert.equal(await seedDemoContent(db, media), false, 'a second start must not seed again');

      const lead = await repo.lead();
      assert.equal(lead?.title, SEED_ARTICLE.title);
      const article = await repo.articleBySlug(lead!.slug);
      assert.ok(article);
      assert.equal(article.body_html, `<p>${SEED_ARTICLE.body}</p>`);
      assert.equal(article.category.name, 'سياسة');
      assert.deepEqual(article.tags.map((t) => t.name).sort(), [...SEED_ARTICLE.tags].sort());
      assert.ok(article.author.bio.length > 20);
      assert.ok(article.image && article.image.variants.length === 3, 'cover has three WebP renditions');
      for (const v of article.image!.variants) assert.ok(existsSync(join(media, v.path)), v.path);
      assert.equal((await repo.listPublished({}, { limit: 10, offset: 0 })).length, 2);
    });

    test('seeding never touches a database that already has content', async () => {
      const other = await createTestDatabase(dialect);
      try {
        const authorId = await ensureAuthor(other.db, { name: 'كاتب' });
        const categoryId = await ensureCategory(other.db, { name: 'رياضة' });
        await saveArticle(other.db, {
          title: 'مقال قائم',
          bodyHtml: '<p>نص</p>',
          status: 'published',
          authorId,
          categoryId,
        });
        assert.equal(await seedDemoContent(other, join(other.dir, 'media')), false);
        const n = await other.db
          .selectFrom('articles')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(Number(n.n), 1);
      } finally {
        await other.drop();
      }
    });

    test('drafts, scheduled and future articles stay hidden', async () => {
      const authorId = await ensureAuthor(db.db, { name: 'محرر' });
      const categoryId = await ensureCategory(db.db, { name: 'اقتصاد' });
      const future = new Date(Date.now() + 3_600_000).toISOString();
      await saveArticle(db.db, { title: 'مسودة', bodyHtml: '<p>س</p>', status: 'draft', authorId, categoryId });
      await saveArticle(db.db, {
        title: 'مجدول',
        bodyHtml: '<p>س</p>',
        status: 'scheduled',
        publishedAt: future,
        authorId,
        categoryId,
      });
      await saveArticle(db.db, {
        title: 'منشور لاحقاً',
        bodyHtml: '<p>س</p>',
        status: 'published',
        publishedAt: future,
        authorId,
        categoryId,
      });
      const titles = (await repo.listPublished({}, { limit: 50, offset: 0 })).map((a) => a.title);
      for (const hidden of ['مسودة', 'مجدول', 'منشور لاحقاً']) assert.ok(!titles.includes(hidden), hidden);
      assert.equal(await repo.articleBySlug('مسودة'), undefined);
    });

    test('duplicate titles get distinct slugs; a changed slug leaves a redirect without chains', async () => {
      const authorId = await ensureAuthor(db.db, { name: 'محرر' });
      const categoryId = await ensureCategory(db.db, { name: 'اقتصاد' });
      const a = await saveArticle(db.db, {
        title: 'خبر عاجل',
        bodyHtml: '<p>أ</p>',
        status: 'published',
        authorId,
        categoryId,
      });
      const b = await saveArticle(db.db, {
        title: 'خبر عاجل',
        bodyHtml: '<p>ب</p>',
        status: 'published',
        authorId,
        categoryId,
      });
      const slugs = await db.db
        .selectFrom('articles')
        .select(['id', 'slug'])
        .where('id', 'in', [a, b])
        .orderBy('id')
        .execute();
      assert.deepEqual(
        slugs.map((s) => s.slug),
        ['خبر-عاجل', 'خبر-عاجل-2'],
      );

      await renameArticle(db.db, a, 'خبر جديد');
      await renameArticle(db.db, a, 'خبر أحدث');
      const enc = (s: string) => `/article/${encodeURIComponent(s)}`;
      assert.equal((await repo.redirectFor(enc('خبر-عاجل')))?.to_path, enc('خبر-أحدث'));
      assert.equal((await repo.redirectFor(enc('خبر-جديد')))?.to_path, enc('خبر-أحدث'));
      await renameArticle(db.db, a, 'خبر عاجل');
      assert.equal(await repo.redirectFor(enc('خبر-عاجل')), undefined, 'a rename undone drops the old redirect');
    });

    test('neighbours follow publication order, ties broken by id; sections list their newest articles in one query', async () => {
      const authorId = await ensureAuthor(db.db, { name: 'محرر الترتيب' });
      const a = await ensureCategory(db.db, { name: 'قسم أ' });
      const b = await ensureCategory(db.db, { name: 'قسم ب' });
      const child = await ensureCategory(db.db, { name: 'قسم أ الفرعي', parentId: a });
      const at = '2020-01-01T00:00:00.000Z';
      const ids: number[] = [];
      for (const [title, categoryId, publishedAt] of [
        ['ترتيب 1', a, '2019-12-31T00:00:00.000Z'],
        ['ترتيب 2', b, at],
        ['ترتيب 3', child, at],
        ['ترتيب 4', a, '2020-01-02T00:00:00.000Z'],
      ] as const) {
        ids.push(
          await saveArticle(db.db, {
            title,
            bodyHtml: '<p>x</p>',
            status: 'published',
            publishedAt,
            authorId,
            categoryId,
          }),
        );
      }
      const middle = (await repo.articleBySlug('ترتيب-3'))!;
      const { previous, next } = await repo.neighbours(middle);
      assert.equal(previous?.title, 'ترتيب 2', 'same time, lower id comes before');
      assert.equal(next?.title, 'ترتيب 4');
      const sections = await repo.latestPerSection(
        [
          { key: a, categoryIds: [a, child] },
          { key: b, categoryIds: [b] },
        ],
        2,
        [ids[3]!],
      );
      assert.deepEqual(
        sections.get(a)?.map((x) => x.title),
        ['ترتيب 3', 'ترتيب 1'],
      );
      assert.deepEqual(
        sections.get(b)?.map((x) => x.title),
        ['ترتيب 2'],
      );
    });

    test('bad article input is refused before anything is written', async () => {
      const authorId = await ensureAuthor(db.db, { name: 'محرر' });
      const categoryId = await ensureCategory(db.db, { name: 'اقتصاد' });
      const before = await db.db
        .selectFrom('articles')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      await assert.rejects(
        saveArticle(db.db, { title: '   ', bodyHtml: '<p>x</p>', status: 'published', authorId, categoryId }),
        (e: unknown) => e instanceof AppError && e.status === 400 && e.field === 'title',
      );
      await assert.rejects(
        saveArticle(db.db, { title: 'ع'.repeat(301), bodyHtml: '<p>x</p>', status: 'published', authorId, categoryId }),
        AppError,
      );
      const afterCount = await db.db
        .selectFrom('articles')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(afterCount.n), Number(before.n));
    });

    test('settings merge over defaults and refuse invalid values', async () => {
      const store = new SettingsStore(db.db);
      assert.equal((await store.get()).title, 'مجلة السفير');
      const updated = await store.update({ dateStyle: 'hijri', digits: 'arabic' });
      assert.equal(updated.dateStyle, 'hijri');
      await assert.rejects(store.update({ timeZone: 'Mars/Olympus' }), InvalidSettingError);
      await assert.rejects(store.update({ lang: 'xx' as 'ar' }), InvalidSettingError);
      assert.equal((await store.get()).timeZone, 'Asia/Riyadh');
    });

    test("most read ranks this week's reads, summed across flushes and days", async () => {
      const [first, second] = await repo.listPublished({}, { limit: 2, offset: 0 });
      await repo.addViews('2026-11-20', new Map([[second!.id, 100]]));
      await repo.addViews(
        '2026-11-25',
        new Map([
          [first!.id, 3],
          [second!.id, 1],
        ]),
      );
      await repo.addViews('2026-11-26', new Map([[first!.id, 2]]));
      const week = await repo.mostRead(2, '2026-11-21');
      assert.deepEqual(
        week.map((a) => a.id),
        [first!.id, second!.id],
      );
      const longer = await repo.mostRead(2, '2026-11-01');
      assert.equal(longer[0]?.id, second!.id);
      const row = await db.db
        .selectFrom('article_views')
        .select((eb) => eb.fn.sum<number>('views').as('n'))
        .where('article_id', '=', first!.id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.n), 5);
    });

    test('a flush adds many articles at once and drops reads of an article deleted since', async () => {
      const ids = (await db.db.selectFrom('articles').select('id').execute()).map((r) => r.id);
      const counts = new Map<number, number>(ids.map((id) => [id, 2]));
      counts.set(2_000_000_000, 7); // read, then deleted before the flush
      await repo.addViews('2026-11-27', counts);
      await repo.addViews('2026-11-27', counts);
      const rows = await db.db.selectFrom('article_views').selectAll().where('day', '=', '2026-11-27').execute();
      assert.equal(rows.length, ids.length);
      assert.ok(rows.every((r) => Number(r.views) === 4));
    });
  });
}
