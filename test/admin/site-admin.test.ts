import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ensureTags } from '../../src/content/service.js';
import { type Client, createStaff, PASSWORD, signIn } from '../helpers/admin.js';
import { get, startSite, type TestSite } from '../helpers/server.js';

describe('sections, tags, pages and settings through the admin', () => {
  let site: TestSite;
  let admin: Client;
  before(async () => {
    site = await startSite('sqlite', { app: { pageCacheMs: 0 } });
    await createStaff(site);
    admin = await signIn(site, 'administrator@safir.test', PASSWORD);
  });
  after(() => site.close());

  const post = (path: string, body: Record<string, string>) =>
    admin.request('POST', path, { _csrf: admin.csrf, ...body });

  test('merging two tags moves the articles and redirects the old archive', async () => {
    const lead = (await site.services.content.lead())!;
    const [fromId] = await ensureTags(site.db.db, ['موسكو']);
    await site.db.db.insertInto('article_tags').values({ article_id: lead.id, tag_id: fromId! }).execute();
    const into = await site.db.db
      .selectFrom('tags')
      .select(['id', 'slug'])
      .where('name', '=', 'روسيا')
      .executeTakeFirstOrThrow();
    assert.equal((await post('/admin/tags/merge', { from: String(fromId), into: String(into.id) })).status, 303);
    const old = await get(site, `/tag/${encodeURIComponent('موسكو')}`);
    assert.equal(old.status, 301);
    assert.equal(old.headers.get('location'), `/tag/${encodeURIComponent(into.slug)}`);
    const same = await post('/admin/tags/merge', { from: String(into.id), into: String(into.id) });
    assert.equal(same.status, 400);
    assert.match(same.text, /اختر وسماً مختلفاً/);
  });

  test('sections nest, refuse loops, and a deleted one hands its articles over', async () => {
    const create = await post('/admin/categories', { name: 'الشرق الأوسط', parent: '1' });
    assert.equal(create.status, 303);
    const child = await site.db.db
      .selectFrom('categories')
      .selectAll()
      .where('name', '=', 'الشرق الأوسط')
      .executeTakeFirstOrThrow();
    assert.equal(child.parent_id, 1);
    const loop = await post('/admin/categories/1', { name: 'قسم', parent: String(child.id) });
    assert.equal(loop.status, 400);
    assert.match(loop.text, /فرعاً من نفسه/);
    const before = await site.db.db.selectFrom('articles').select('id').where('category_id', '=', 1).execute();
    const gone = await site.db.db.selectFrom('categories').select('slug').where('id', '=', 1).executeTakeFirstOrThrow();
    assert.equal((await post('/admin/categories/1/delete', { move_to: String(child.id) })).status, 303);
    const moved = await site.db.db.selectFrom('articles').select('id').where('category_id', '=', child.id).execute();
    assert.equal(moved.length, before.length);
    site.services.site.invalidate(); // what the content-version watcher does within a second
    assert.equal((await get(site, `/category/${encodeURIComponent(gone.slug)}`)).status, 301);
  });

  test('a static page cannot take a path the site uses', async () => {
    assert.equal((await post('/admin/pages', { title: 'search', body: '<p>x</p>' })).status, 303);
    const page = await site.db.db
      .selectFrom('pages')
      .select('slug')
      .where('title', '=', 'search')
      .executeTakeFirstOrThrow();
    assert.equal(page.slug, 'search-page');
    assert.equal((await get(site, '/search-page')).status, 200);
  });

  test('comment settings and the per-article switch', async () => {
    const base = {
      title: 'مجلة السفير',
      tagline: 't',
      lang: 'ar',
      direction: 'rtl',
      dateStyle: 'both',
      digits: 'latin',
      timeZone: 'Asia/Riyadh',
      copyright: 'c',
      credit: 'c',
      baseUrl: '',
      postsPerPage: '12',
      uploadMaxMb: '10',
    };
    const saved = await post('/admin/settings', {
      ...base,
      commentsEnabled: '1',
      commentModeration: 'all',
      commentOrder: 'newest',
      commentDepth: '2',
      commentsPerPage: '20',
      commentsCloseAfterDays: '30',
      commentMaxLinks: '1',
      commentHoldList: 'كلمة\n10.0.0.0/8',
      commentSpamList: '',
    });
    assert.equal(saved.status, 303);
    const settings = await site.services.settings.get();
    assert.equal(settings.commentModeration, 'all');
    assert.equal(settings.commentDepth, 2);
    assert.equal(settings.commentHoldList, 'كلمة\n10.0.0.0/8');
    const bad = await post('/admin/settings', {
      ...base,
      commentModeration: 'sometimes',
      commentOrder: 'oldest',
      commentDepth: '3',
      commentsPerPage: '20',
      commentsCloseAfterDays: '0',
      commentMaxLinks: '1',
    });
    assert.equal(bad.status, 400);

    const lead = (await site.services.content.lead())!;
    const article = await site.services.editorial.article(lead.id);
    const tags = (await site.services.content.tagsOf([lead.id]))
      .get(lead.id)!
      .map((t) => t.name)
      .join('، ');
    const closed = await post(`/admin/articles/${lead.id}`, {
      title: article.title,
      body: article.body_html,
      category: String(article.category_id),
      tags,
      comments_state: '1',
      action: 'save',
    });
    assert.equal(closed.status, 303, closed.text.slice(0, 300));
    site.services.pageCache.clear();
    const page = await get(site, `/article/${encodeURIComponent(lead.slug)}`);
    assert.match(page.text, /التعليقات مغلقة على هذا المقال/);
    assert.doesNotMatch(page.text, /data-comment-form/);
  });

  test('settings: a bad value is refused next to its field; a logo replaces the title in the masthead', async () => {
    const base = {
      title: 'مجلة السفير',
      tagline: 't',
      lang: 'ar',
      direction: 'rtl',
      dateStyle: 'both',
      digits: 'arabic',
      copyright: 'c {year}',
      credit: 'c',
      baseUrl: '',
      postsPerPage: '12',
      uploadMaxMb: '10',
    };
    const bad = await post('/admin/settings', { ...base, timeZone: 'Mars/Olympus' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /id="f-timeZone-error"/);
    assert.match(bad.text, /value="Mars\/Olympus"/, 'the typed value is kept');
    const logo = (await site.db.db.selectFrom('media').select('id').executeTakeFirstOrThrow()).id;
    assert.equal(
      (await post('/admin/settings', { ...base, timeZone: 'Africa/Cairo', logoMediaId: String(logo) })).status,
      303,
    );
    site.services.site.invalidate();
    const home = await get(site, '/');
    assert.match(home.text, /<img class="site-logo" src="\/media\/[^"]+" width="\d+" height="\d+" alt="مجلة السفير">/);
    assert.match(home.text, /[٠-٩]/, 'Arabic-Indic digits took effect');
  });
});
