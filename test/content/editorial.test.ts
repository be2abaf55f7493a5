import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { type Actor, actorOf } from '../../src/accounts/roles.js';
import { AccountService } from '../../src/accounts/service.js';
import { serverSecret } from '../../src/accounts/secret.js';
import { type DraftInput, Editorial } from '../../src/content/editorial.js';
import { ContentRepository } from '../../src/content/repository.js';
import { rebuildListStats } from '../../src/content/list-stats.js';
import { ensureCategory } from '../../src/content/service.js';
import { Taxonomy } from '../../src/content/taxonomy.js';
import { AppError } from '../../src/shared/errors.js';
import { storeImage } from '../../src/media/images.js';
import sharp from 'sharp';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

for (const dialect of DIALECTS) {
  describe(`editorial workflow on ${dialect}`, () => {
    let db: TestDatabase;
    let editorial: Editorial;
    let clock = Date.parse('2026-11-26T10:00:00Z');
    const people: Record<string, Actor> = {};
    let categoryId: number;
    const draft = (over: Partial<DraftInput> = {}): DraftInput => ({
      title: 'قمة شنغهاي في موسكو',
      bodyHtml: '<p>نص المقال عن <strong>القمة</strong>.</p>',
      categoryId,
      tagNames: ['روسيا'],
      ...over,
    });
    before(async () => {
      db = await createTestDatabase(dialect);
      const accounts = new AccountService(db.db, await serverSecret(db.db));
      for (const role of ['administrator', 'editor', 'author', 'contributor'] as const) {
        const u = await accounts.createUser({
          email: `${role}@x.test`,
          name: `${role} name`,
          role,
          password: 'long password 1',
        });
        people[role] = actorOf(u);
      }
      categoryId = await ensureCategory(db.db, { name: 'سياسة' });
      editorial = new Editorial(db.db, () => clock);
    });
    after(() => db.drop());

    test('a contributor drafts and submits, but cannot publish, schedule or touch others’ work', async () => {
      const c = people.contributor!;
      const id = await editorial.save(c, undefined, draft(), 'save');
      assert.equal((await editorial.article(id)).status, 'draft');
      await editorial.save(c, id, draft({ title: 'قمة شنغهاي: النص الثاني' }), 'submit');
      assert.equal((await editorial.article(id)).status, 'pending');
      for (const action of ['publish', 'schedule', 'unpublish'] as const) {
        await assert.rejects(
          editorial.save(c, id, draft(), action, { publishAt: new Date(clock + 3600_000).toISOString() }),
          (e: AppError) => e.status === 403,
        );
      }
      const others = await editorial.save(people.author!, undefined, draft({ title: 'مقال الكاتب' }), 'save');
      await assert.rejects(editorial.save(c, others, draft(), 'save'), (e: AppError) => e.status === 403);
      await assert.rejects(editorial.remove(c, others), (e: AppError) => e.status === 403);
      assert.equal((await editorial.article(id)).status, 'pending', 'refused saves changed nothing');
    });

    test('a bulk action refused for one article changes none of them', async () => {
      const a = people.author!;
      const mine = await editorial.save(a, undefined, draft({ title: 'مسودتي' }), 'save');
      const theirs = await editorial.save(people.editor!, undefined, draft({ title: 'مسودة المحرر' }), 'save');
      await assert.rejects(editorial.bulk(a, [mine, theirs], 'delete'), (e: AppError) => e.status === 403);
      assert.equal((await editorial.article(mine)).title, 'مسودتي', 'the permitted one is still there');
      await assert.rejects(editorial.bulk(a, [mine, theirs], 'publish'), (e: AppError) => e.status === 403);
      assert.equal((await editorial.article(mine)).status, 'draft');
      await editorial.bulk(a, [mine], 'publish');
      assert.equal((await editorial.article(mine)).status, 'published');
    });

    test('an editor schedules; the scheduler publishes once; revisions keep every version', async () => {
      const c = people.contributor!;
      const id = await editorial.save(c, undefined, draft({ title: 'مقال مجدول' }), 'submit');
      await assert.rejects(
        editorial.save(people.editor!, id, draft({ title: 'مقال مجدول' }), 'schedule', {
          publishAt: new Date(clock - 1000).toISOString(),
        }),
        (e: AppError) => e.field === 'publish_at',
      );
      const at = new Date(clock + 120_000).toISOString();
      await editorial.save(people.editor!, id, draft({ title: 'مقال مجدول بعد التحرير' }), 'schedule', {
        publishAt: at,
      });
      const repo = new ContentRepository(db.db);
      const slug = (await editorial.article(id)).slug;
      assert.deepEqual(await editorial.publishDue(), [], 'nothing is due yet');
      assert.equal(await repo.articleBySlug(slug), undefined, 'not public before its time');
      clock += 121_000;
      assert.deepEqual(await editorial.publishDue(), [id]);
      assert.deepEqual(await editorial.publishDue(), [], 'published once');
      assert.equal((await editorial.article(id)).status, 'published');
      const revisions = await editorial.revisions(id);
      assert.deepEqual(
        revisions.map((r) => r.note),
        ['scheduled-publish', 'schedule', 'submit'],
      );
      assert.deepEqual(revisions.map((r) => r.title).reverse(), [
        'مقال مجدول',
        'مقال مجدول بعد التحرير',
        'مقال مجدول بعد التحرير',
      ]);
      await assert.rejects(
        editorial.save(c, id, draft(), 'save'),
        (e: AppError) => e.status === 403,
        'published is off limits to contributors',
      );
    });

    test('restoring a revision brings its text back as a new revision', async () => {
      const a = people.author!;
      const id = await editorial.save(a, undefined, draft({ title: 'النسخة الأولى' }), 'publish');
      await editorial.save(a, id, draft({ title: 'النسخة الثانية' }), 'save');
      const first = (await editorial.revisions(id)).at(-1)!;
      await editorial.restore(a, id, first.id);
      const article = await editorial.article(id);
      assert.equal(article.title, 'النسخة الأولى');
      assert.equal(article.status, 'published');
      assert.equal((await editorial.revisions(id)).length, 3);
    });

    test('publishing needs alt text on every image; a stale edit is refused', async () => {
      const e = people.editor!;
      await assert.rejects(
        editorial.save(e, undefined, draft({ bodyHtml: '<p>x</p><img src="/media/a.jpg">' }), 'publish'),
        (err: AppError) => err.field === 'body',
      );
      const id = await editorial.save(
        e,
        undefined,
        draft({ bodyHtml: '<p>x</p><img src="/media/a.jpg" alt="صورة">' }),
        'publish',
      );
      const loaded = (await editorial.article(id)).updated_at;
      clock += 1000;
      await editorial.save(e, id, draft({ title: 'تعديل أول' }), 'save', { expectedUpdatedAt: loaded });
      await assert.rejects(
        editorial.save(e, id, draft({ title: 'تعديل متأخر' }), 'save', { expectedUpdatedAt: loaded }),
        (err: AppError) => err.code === 'STALE_EDIT',
      );
    });

    test('autosave: a draft is saved in place; a published article keeps its live text and gains an autosave revision', async () => {
      const a = people.author!;
      const created = await editorial.autosave(a, undefined, draft({ title: 'مسودة تلقائية' }));
      assert.equal(created.status, 'draft');
      const again = await editorial.autosave(a, created.id, draft({ title: 'مسودة تلقائية ٢' }), created.updated_at);
      assert.equal(again.title, 'مسودة تلقائية ٢');
      await editorial.save(a, created.id, draft({ title: 'منشور' }), 'publish');
      const live = await editorial.article(created.id);
      await editorial.autosave(a, created.id, draft({ title: 'تعديل لم يكتمل' }));
      assert.equal((await editorial.article(created.id)).title, 'منشور', 'readers never see half-finished edits');
      assert.equal((await editorial.article(created.id)).updated_at, live.updated_at);
      const [latest] = await editorial.revisions(created.id);
      assert.equal(latest!.note, 'autosave');
      assert.equal(latest!.title, 'تعديل لم يكتمل');
    });

    test('library images in a body get their WebP renditions in srcset, with width and height', async () => {
      const bytes = await sharp({ create: { width: 1600, height: 900, channels: 3, background: '#225588' } })
        .jpeg()
        .toBuffer();
      const stored = await storeImage(db.db, `${db.dir}/media`, bytes, { name: 'قاعة.jpg', alt: 'قاعة' });
      const id = await editorial.save(
        people.editor!,
        undefined,
        draft({
          bodyHtml: `<figure><img src="/media/${stored.path}" alt="قاعة"><figcaption>القاعة</figcaption></figure><img src="https://example.com/x.jpg" alt="خارجية">`,
        }),
        'publish',
      );
      const body = (await editorial.article(id)).body_html;
      assert.match(
        body,
        /<img width="1600" height="900" srcset="\/media\/[^"]+-480\.webp 480w, [^"]+-800\.webp 800w, [^"]+-1200\.webp 1200w, \/media\/[^"]+ 1600w" sizes="[^"]+"/,
      );
      const external = /<img[^>]*example\.com[^>]*>/.exec(body)?.[0] ?? '';
      assert.ok(external && !external.includes('srcset'), 'other images untouched');
    });

    test('two processes running the scheduler publish each due article exactly once', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) {
        ids.push(
          await editorial.save(people.editor!, undefined, draft({ title: `مجدول ${i}` }), 'schedule', {
            publishAt: new Date(clock + 5_000).toISOString(),
          }),
        );
      }
      // Two real processes, each looping publishDue() against the same database, started together.
      const script = `
        import { openDatabase } from './src/db/database.ts';
        import { Editorial } from './src/content/editorial.ts';
        const d = openDatabase(process.env.URL);
        const e = new Editorial(d.db, () => ${clock + 10_000});
        let n = 0;
        for (let i = 0; i < 30; i++) { n += (await e.publishDue()).length; await new Promise((r) => setTimeout(r, 5)); }
        await d.close();
        console.log(n);`;
      const run = () =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
            env: { ...process.env, URL: db.url },
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`exit ${code}`))));
        });
      const [a, b] = await Promise.all([run(), run()]);
      assert.equal(a + b, ids.length, `published ${a} + ${b}`);
      for (const id of ids) {
        const notes = (await editorial.revisions(id)).filter((r) => r.note === 'scheduled-publish');
        assert.equal(notes.length, 1, `article ${id} published once`);
      }
    });
    test('list sizes kept by every write equal a recount after publishing, scheduling, retagging, merging and deleting', async () => {
      const e = people.editor!;
      const other = await ensureCategory(db.db, { name: 'اقتصاد' });
      const ids: number[] = [];
      for (let i = 0; i < 6; i++)
        ids.push(
          await editorial.save(
            e,
            undefined,
            draft({ title: `قائمة ${i}`, tagNames: ['روسيا', `وسم ${i % 3}`] }),
            'publish',
          ),
        );
      await editorial.save(e, ids[0]!, draft({ title: 'قائمة 0', categoryId: other, tagNames: ['وسم 9'] }), 'save');
      await editorial.save(e, ids[1]!, draft({ title: 'قائمة 1' }), 'unpublish');
      await editorial.bulk(e, [ids[2]!, ids[3]!], 'unpublish');
      await editorial.bulk(e, [ids[2]!], 'publish');
      await editorial.remove(e, ids[4]!);
      const due = await editorial.save(
        e,
        undefined,
        draft({ title: 'قائمة مجدولة', tagNames: ['وسم 1'] }),
        'schedule',
        {
          publishAt: new Date(clock + 60_000).toISOString(),
        },
      );
      clock += 61_000;
      assert.ok((await editorial.publishDue()).includes(due));
      const taxonomy = new Taxonomy(db.db);
      const tagId = async (name: string) =>
        (await db.db.selectFrom('tags').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
      await taxonomy.mergeTags(await tagId('وسم 0'), await tagId('وسم 1'));
      await taxonomy.deleteTag(await tagId('وسم 2'));
      await taxonomy.deleteCategory(other, categoryId);
      const accounts = new AccountService(db.db, await serverSecret(db.db));
      const author = await db.db
        .selectFrom('users')
        .select(['id', 'author_id'])
        .where('email', '=', 'author@x.test')
        .executeTakeFirstOrThrow();
      await editorial.save(people.author!, undefined, draft({ title: 'مقال سيُنقل' }), 'publish');
      const editorAuthor = await db.db
        .selectFrom('users')
        .select('author_id')
        .where('email', '=', 'editor@x.test')
        .executeTakeFirstOrThrow();
      await accounts.deleteUser(author.id, editorAuthor.author_id!);

      const snapshot = async () => ({
        lists: (await db.db.selectFrom('list_stats').select(['kind', 'subject_id', 'articles']).execute())
          .map((r) => `${r.kind}:${r.subject_id}=${Number(r.articles)}`)
          .filter((r) => !r.endsWith('=0'))
          .sort(),
        tags: (
          await db.db.selectFrom('article_tags').select(['article_id', 'tag_id', 'listed', 'published_at']).execute()
        )
          .map((r) => `${r.article_id}/${r.tag_id}:${Number(r.listed)}:${r.published_at ?? ''}`)
          .sort(),
      });
      const kept = await snapshot();
      assert.ok(kept.lists.some((l) => l.startsWith('tag:')) && kept.lists.some((l) => l.startsWith('all:')));
      await db.db.transaction().execute((trx) => rebuildListStats(trx));
      assert.deepEqual(kept, await snapshot());
      const repo = new ContentRepository(db.db);
      const published = await db.db
        .selectFrom('articles')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'published')
        .executeTakeFirstOrThrow();
      assert.equal(await repo.countPublished({}), Number(published.n));
    });
  });
}
