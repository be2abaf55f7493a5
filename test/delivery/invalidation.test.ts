import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { buildApp, type Services } from '../../src/app.js';
import { actorOf } from '../../src/accounts/roles.js';
import { createStaff } from '../helpers/admin.js';
import { DIALECTS } from '../helpers/databases.js';
import { bindRouteFixtures, callRoute, insertPendingComment, ROWS, type Staff } from '../helpers/route-fixtures.js';
import { get, startSite, type TestSite } from '../helpers/server.js';

/**
 * The invalidation rules, proved two ways on both databases:
 *
 * 1. Every write path there is — each state-changing admin route and admin API
 *    endpoint, read from the route table through the authorization fixtures,
 *    plus the writes that happen without a request (the scheduler, comments) —
 *    is made after the whole public site was cached, and then no page the
 *    cache still calls fresh may differ from a page rendered anew. A new write
 *    path that changes what readers see without emitting its keys fails here.
 * 2. The named rules are exact: a draft's autosave touches nothing; a body edit
 *    replaces its article's page but no list; a title edit replaces the lists
 *    that show it and leaves other sections alone; an approved comment
 *    replaces its article's page.
 */

/** What differs between two renders of the same content: the comment form's signed token. */
const normalise = (html: string) => html.replace(/(name="token" value=")[^"]*"/g, '$1"');

for (const dialect of DIALECTS) {
  describe(`cache invalidation follows every write (${dialect})`, () => {
    let site: TestSite;
    let staff: Staff;
    let uncached: FastifyInstance;
    let uncachedServices: Services;

    before(async () => {
      // No read-count flushes during the test: the most-read box must not change behind the cache's back.
      site = await startSite(dialect, { app: { viewFlushMs: 3_600_000, outboxPollMs: 50 } });
      staff = await createStaff(site);
      const png = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#335577' } })
        .png()
        .toBuffer();
      bindRouteFixtures(site, staff, png);
      // The same database, rendered with no cache at all: the truth a cached page is held to.
      ({ app: uncached, services: uncachedServices } = await buildApp({
        database: site.db,
        mediaRoot: `${site.db.dir}/media`,
        pageCacheMs: 0,
        viewFlushMs: 3_600_000,
        siteUrl: site.base,
        logger: false,
      }));
    });
    after(async () => {
      await uncached.close();
      await site.close();
    });

    /** Every public page there is now: home, articles, archives, feeds, sitemaps, static pages. */
    async function publicPaths(): Promise<string[]> {
      const db = site.db.db;
      const enc = encodeURIComponent;
      const articles = await site.services.content.listPublished({}, { limit: 200, offset: 0 });
      const categories = await db.selectFrom('categories').select('slug').execute();
      const tags = await db.selectFrom('tags').select('slug').execute();
      const authors = await db.selectFrom('authors').select('slug').execute();
      const pages = await site.services.content.pages();
      return [
        '/',
        '/feed',
        '/feed/atom',
        '/feed/json',
        '/sitemap.xml',
        '/sitemaps/articles-1.xml',
        ...articles.map((a) => `/article/${enc(a.slug)}`),
        ...categories.map((c) => `/category/${enc(c.slug)}`),
        ...tags.map((t) => `/tag/${enc(t.slug)}`),
        ...authors.map((a) => `/author/${enc(a.slug)}`),
        ...categories.map((c) => `/category/${enc(c.slug)}/feed`),
        ...pages.map((p) => `/${enc(p.slug)}`),
      ];
    }

    async function settle(): Promise<void> {
      await site.services.outbox.caughtUp();
      await site.services.pageCache.idle();
    }

    /** Caches every public page, fresh. */
    async function warm(): Promise<string[]> {
      await settle();
      const paths = await publicPaths();
      for (const p of paths) await get(site, p);
      await settle();
      for (const p of paths) await get(site, p);
      return paths;
    }

    /** Paths whose cached copy is marked fresh but no longer matches what the site would render. */
    async function staleButFresh(paths: string[]): Promise<string[]> {
      await settle();
      await uncachedServices.outbox.caughtUp(); // its menu and widgets follow the outbox too
      const wrong: string[] = [];
      for (const p of paths) {
        const held = site.services.pageCache.peek(p);
        if (!held || held.state !== 'fresh') continue;
        const now = await uncached.inject(p);
        if (now.statusCode !== 200 || normalise(now.body) !== normalise(held.html)) wrong.push(p);
      }
      return wrong;
    }

    test('no write path leaves a page cached as fresh that now reads differently', async () => {
      const writes = ROWS.filter((r) => r.method !== 'GET');
      assert.ok(writes.length >= 40, `${writes.length} write paths`);
      const failures: string[] = [];
      for (const row of writes) {
        const fx = await row.setup('administrator');
        const paths = await warm();
        const status = await callRoute(site, staff.administrator.id, fx, row.method);
        assert.ok(status < 500, `${row.method} ${row.route} → ${status}`);
        const wrong = await staleButFresh(paths);
        if (wrong.length) failures.push(`${row.method} ${row.route}: ${wrong.slice(0, 5).join(', ')}`);
      }
      assert.deepEqual(failures, [], 'write paths that did not invalidate what they changed');
    });

    test('writes without a request: the scheduler publishing, a comment approved by the service', async () => {
      const editor = actorOf((await site.services.accounts.userByEmail('editor@safir.test'))!);
      const id = await site.services.editorial.save(
        editor,
        undefined,
        { title: 'خبر مجدول للنشر', bodyHtml: '<p>نص</p>', categoryId: 1, tagNames: ['روسيا'] },
        'schedule',
        { publishAt: new Date(Date.now() + 1000).toISOString() },
      );
      const paths = await warm();
      await new Promise((r) => setTimeout(r, 1100));
      // The site's own scheduler job may tick first; either way the article is published once, by the same write.
      const published = await site.services.editorial.publishDue();
      assert.ok(published.length === 0 || (published.length === 1 && published[0] === id), `${published}`);
      assert.equal((await site.services.editorial.article(id)).status, 'published');
      assert.deepEqual(await staleButFresh(paths), []);
      const lead = (await site.services.content.lead())!;
      const { comment } = await site.services.comments.submit(
        {
          articleId: lead.id,
          name: 'قارئ',
          email: 'r@example.com',
          url: '',
          body: 'تعليق',
          notify: false,
          token: '',
          honeypot: '',
        },
        { ip: '10.0.0.9', staff: { userId: staff.editor.id, name: 'محرر', email: 'editor@safir.test' } },
        { ...(await site.services.settings.get()), commentModeration: 'all' },
      );
      const paths2 = await warm();
      await site.services.comments.setStatus([comment.id], 'approved');
      assert.deepEqual(await staleButFresh(paths2), []);
    });

    test('the rules are exact: autosave, body edit, title edit, approved comment', async () => {
      const editor = actorOf((await site.services.accounts.userByEmail('editor@safir.test'))!);
      const { editorial, content, pageCache } = site.services;
      const categories = await content.categories();
      const [politics, culture] = [categories[0]!, categories.find((c) => c.id !== categories[0]!.id)!];
      const draft = await editorial.save(
        editor,
        undefined,
        { title: 'مسودة', bodyHtml: '<p>نص</p>', categoryId: politics.id },
        'save',
      );
      const published = await editorial.save(
        editor,
        undefined,
        {
          title: 'مقال منشور للاختبار',
          excerpt: 'مقتطف ثابت',
          bodyHtml: '<p>النص الأول</p>',
          categoryId: politics.id,
          tagNames: ['اختبار'],
        },
        'publish',
      );
      const row = await editorial.article(published);
      const enc = encodeURIComponent;
      const articlePath = `/article/${enc(row.slug)}`;
      const lists = ['/', `/category/${enc(politics.slug)}`, `/tag/${enc('اختبار')}`];
      const culturePath = `/category/${enc(culture.slug)}`;
      // An explicit excerpt: without one, the excerpt is taken from the body, and a body edit changes the cards too.
      const input = (over: object) => ({
        excerpt: 'مقتطف ثابت',
        title: row.title,
        bodyHtml: '<p>النص الأول</p>',
        categoryId: politics.id,
        tagNames: ['اختبار'],
        ...over,
      });

      /** The cached pages a write replaced (marked stale or dropped), read off the cache as the outbox delivers it. */
      const replacedBy = async (write: () => Promise<unknown>): Promise<Set<string>> => {
        const paths = await warm();
        const touched = new Set<string>();
        const invalidate = pageCache.invalidate.bind(pageCache);
        pageCache.invalidate = (keys) => {
          const ids = invalidate(keys);
          for (const id of ids) touched.add(id);
          return ids;
        };
        try {
          await write();
          await site.services.outbox.caughtUp();
        } finally {
          pageCache.invalidate = invalidate;
        }
        assert.deepEqual(await staleButFresh(paths), [], 'and nothing it changed was missed');
        return touched;
      };

      const autosave = await replacedBy(() =>
        editorial.autosave(editor, draft, {
          title: 'مسودة بعد الحفظ التلقائي',
          bodyHtml: '<p>نص آخر</p>',
          categoryId: politics.id,
        }),
      );
      assert.deepEqual([...autosave], [], 'a draft autosave replaces no cached page');

      const body = await replacedBy(() =>
        editorial.save(editor, published, input({ bodyHtml: '<p>النص الثاني المعدل</p>' }), 'save'),
      );
      assert.ok(body.has(articlePath), 'a body edit replaces its page');
      for (const p of [...lists, culturePath]) assert.ok(!body.has(p), `a body edit leaves ${p} alone`);
      const others = [...body].filter((p) => p !== articlePath && !p.includes('feed') && !p.startsWith('/sitemap'));
      assert.deepEqual(others, [], 'beyond its page, only feeds and sitemaps (which carry its text or date)');

      const title = await replacedBy(() =>
        editorial.save(
          editor,
          published,
          input({ title: 'عنوان جديد للمقال المنشور', bodyHtml: '<p>النص الثاني المعدل</p>' }),
          'save',
        ),
      );
      for (const p of [articlePath, ...lists]) assert.ok(title.has(p), `a title edit replaces ${p}`);
      assert.ok(!title.has(culturePath), 'a section it is not in is left alone');

      // A reader's comment waiting for moderation changes nothing public; approving it replaces its article's page.
      const held = await insertPendingComment(site.db.db, published);
      const approved = await replacedBy(() => site.services.comments.setStatus([held], 'approved'));
      assert.ok(approved.has(articlePath), 'the approved comment replaces its article page');
      assert.ok(!approved.has(culturePath));
    });
  });
}
