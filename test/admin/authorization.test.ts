import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Role } from '../../src/db/schema.js';
import { savePage, ensureTags } from '../../src/content/service.js';
import { Taxonomy } from '../../src/content/taxonomy.js';
import { createStaff } from '../helpers/admin.js';
import { startSite, type TestSite } from '../helpers/server.js';
import { DIALECTS } from '../helpers/databases.js';
import { request as httpRequest } from 'node:http';
import Fastify from 'fastify';
import { actorOf, can, ROLES } from '../../src/accounts/roles.js';
import { adminScope, enforceRouteRules, type Access } from '../../src/accounts/http.js';

/**
 * The role-by-action matrix: every admin route and admin API endpoint is
 * called by each role with a valid session and CSRF token, and must succeed
 * for exactly the roles listed and be refused (403, nothing changed) for the
 * others. Then every state-changing route is called without a session and
 * with a wrong CSRF token: refused, nothing changed. A route added without a
 * row here fails the coverage test.
 */
const ALL: Role[] = ['administrator', 'editor', 'author', 'contributor'];
const PUBLISHERS: Role[] = ['administrator', 'editor', 'author'];
const ADMIN: Role[] = ['administrator'];

type Staff = Awaited<ReturnType<typeof createStaff>>;

interface Fixture {
  path: string;
  body?: Record<string, string | string[]> | FormData | object;
  json?: boolean;
}

interface Row {
  method: string;
  route: string;
  allowed: Role[];
  /** Builds a fresh target for one call by `role` (so a delete in one call does not spoil the next). */
  setup: (role: Role) => Promise<Fixture>;
}

let site: TestSite;
let staff: Staff;
let png: Buffer;

async function draftBy(role: Role, status: 'draft' | 'publish' = 'draft'): Promise<number> {
  const actor = { id: staff[role].id, role, authorId: staff[role].authorId };
  return site.services.editorial.save(
    actor,
    undefined,
    { title: `مقال ${role} ${Math.random()}`, bodyHtml: '<p>نص</p>', categoryId: 1 },
    status === 'publish' && role !== 'contributor' ? 'publish' : 'save',
  );
}

/** A draft by somebody other than `role`. */
const othersDraft = (role: Role) => draftBy(role === 'author' ? 'contributor' : 'author');

async function mediaBy(role: Role): Promise<number> {
  const { storeImage } = await import('../../src/media/images.js');
  const stored = await storeImage(site.db.db, `${site.db.dir}/media`, png, {
    name: 'x.png',
    alt: 'صورة',
    uploadedBy: staff[role].id,
  });
  return stored.id;
}

const article = { title: 'عنوان جديد', body: '<p>نص</p>', category: '1' };
const upload = () => {
  const f = new FormData();
  f.append('alt', 'وصف');
  f.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'p.png');
  return f;
};

const ROWS: Row[] = [
  { method: 'GET', route: '/admin', allowed: ALL, setup: async () => ({ path: '/admin' }) },
  {
    method: 'GET',
    route: '/admin/articles',
    allowed: ALL,
    setup: async () => ({ path: '/admin/articles?status=draft' }),
  },
  { method: 'GET', route: '/admin/articles/new', allowed: ALL, setup: async () => ({ path: '/admin/articles/new' }) },
  {
    method: 'POST',
    route: '/admin/articles',
    allowed: ALL,
    setup: async () => ({ path: '/admin/articles', body: article }),
  },
  // Someone else's draft (the author's; for the author, the contributor's).
  {
    method: 'GET',
    route: '/admin/articles/:id',
    allowed: ['administrator', 'editor'],
    setup: async (role) => ({ path: `/admin/articles/${await draftBy(role === 'author' ? 'contributor' : 'author')}` }),
  },
  {
    method: 'POST',
    route: '/admin/articles/:id',
    allowed: ['administrator', 'editor'],
    setup: async (role) => ({
      path: `/admin/articles/${await draftBy(role === 'author' ? 'contributor' : 'author')}`,
      body: article,
    }),
  },
  // Publishing one's own draft.
  {
    method: 'POST',
    route: '/admin/articles/:id#publish-own',
    allowed: PUBLISHERS,
    setup: async (role) => ({
      path: `/admin/articles/${await draftBy(role)}`,
      body: { ...article, action: 'publish' },
    }),
  },
  {
    method: 'POST',
    route: '/admin/articles/:id/delete',
    allowed: ['administrator', 'editor'],
    setup: async (role) => ({
      path: `/admin/articles/${await draftBy(role === 'author' ? 'contributor' : 'author')}/delete`,
      body: {},
    }),
  },
  {
    method: 'POST',
    route: '/admin/articles/:id/delete#own',
    allowed: ALL,
    setup: async (role) => ({ path: `/admin/articles/${await draftBy(role)}/delete`, body: {} }),
  },
  {
    method: 'GET',
    route: '/admin/articles/:id/preview',
    allowed: ['administrator', 'editor'],
    setup: async (role) => ({ path: `/admin/articles/${await othersDraft(role)}/preview` }),
  },
  {
    method: 'GET',
    route: '/admin/articles/:id/revisions',
    allowed: ['administrator', 'editor'],
    setup: async (role) => ({ path: `/admin/articles/${await othersDraft(role)}/revisions` }),
  },
  {
    method: 'POST',
    route: '/admin/articles/:id/revisions/:rev/restore',
    allowed: ['administrator', 'editor'],
    setup: async (role) => {
      const id = await othersDraft(role);
      const [rev] = await site.services.editorial.revisions(id);
      return { path: `/admin/articles/${id}/revisions/${rev!.id}/restore`, body: {} };
    },
  },
  {
    method: 'POST',
    route: '/admin/articles/bulk',
    allowed: PUBLISHERS,
    setup: async (role) => ({
      path: '/admin/articles/bulk',
      body: { bulk_action: 'publish', ids: [String(await draftBy(role))] },
    }),
  },
  { method: 'GET', route: '/admin/media', allowed: ALL, setup: async () => ({ path: '/admin/media' }) },
  {
    method: 'POST',
    route: '/admin/media',
    allowed: PUBLISHERS,
    setup: async () => ({ path: '/admin/media', body: upload() }),
  },
  {
    method: 'POST',
    route: '/admin/media/:id',
    allowed: ['administrator', 'editor'],
    setup: async (role) => ({
      path: `/admin/media/${await mediaBy(role === 'editor' ? 'author' : 'editor')}`,
      body: { alt: 'وصف جديد', caption: '' },
    }),
  },
  {
    method: 'POST',
    route: '/admin/media/:id#own',
    allowed: PUBLISHERS,
    setup: async (role) => ({ path: `/admin/media/${await mediaBy(role)}`, body: { alt: 'وصف جديد', caption: '' } }),
  },
  {
    method: 'POST',
    route: '/admin/media/:id/delete',
    allowed: ['administrator', 'editor'],
    setup: async (role) => ({
      path: `/admin/media/${await mediaBy(role === 'editor' ? 'author' : 'editor')}/delete`,
      body: {},
    }),
  },
  { method: 'GET', route: '/admin/users', allowed: ADMIN, setup: async () => ({ path: '/admin/users' }) },
  {
    method: 'POST',
    route: '/admin/users',
    allowed: ADMIN,
    setup: async () => ({
      path: '/admin/users',
      body: { name: 'جديد', email: `n${Math.random()}@safir.test`, role: 'contributor', password: 'long password 12' },
    }),
  },
  {
    method: 'POST',
    route: '/admin/users/:id/role',
    allowed: ADMIN,
    setup: async () => ({ path: `/admin/users/${staff.author.id}/role`, body: { role: 'author' } }),
  },
  {
    method: 'POST',
    route: '/admin/users/:id/sign-out',
    allowed: ADMIN,
    setup: async () => ({ path: `/admin/users/${staff.author.id}/sign-out`, body: {} }),
  },
  {
    method: 'POST',
    route: '/admin/users/:id/reset-link',
    allowed: ADMIN,
    setup: async () => ({ path: `/admin/users/${staff.author.id}/reset-link`, body: {} }),
  },
  { method: 'GET', route: '/admin/profile', allowed: ALL, setup: async () => ({ path: '/admin/profile' }) },
  {
    method: 'POST',
    route: '/admin/profile',
    allowed: ALL,
    setup: async (role) => ({ path: '/admin/profile', body: { name: `${role} الاسم`, bio: 'نبذة', locale: 'ar' } }),
  },
  {
    method: 'POST',
    route: '/admin/profile/password',
    allowed: ALL,
    setup: async () => ({ path: '/admin/profile/password', body: { current: 'wrong', password: 'whatever long' } }),
  },
  {
    method: 'POST',
    route: '/admin/profile/two-factor',
    allowed: ALL,
    setup: async () => ({ path: '/admin/profile/two-factor', body: { start: '1' } }),
  },
  {
    method: 'POST',
    route: '/admin/sign-out',
    allowed: ALL,
    setup: async () => ({ path: '/admin/sign-out', body: {} }),
  },
  {
    method: 'POST',
    route: '/admin/sign-out-everywhere',
    allowed: ALL,
    setup: async () => ({ path: '/admin/sign-out-everywhere', body: {} }),
  },
  // The JSON API.
  {
    method: 'GET',
    route: '/api/v1/admin/articles',
    allowed: ALL,
    setup: async () => ({ path: '/api/v1/admin/articles' }),
  },
  {
    method: 'POST',
    route: '/api/v1/admin/articles',
    allowed: ALL,
    setup: async () => ({ path: '/api/v1/admin/articles', body: article, json: true }),
  },
  {
    method: 'POST',
    route: '/api/v1/admin/articles#publish',
    allowed: PUBLISHERS,
    setup: async () => ({ path: '/api/v1/admin/articles', body: { ...article, action: 'publish' }, json: true }),
  },
  {
    method: 'GET',
    route: '/api/v1/admin/articles/:id',
    allowed: ['administrator', 'editor'],
    setup: async (role) => ({ path: `/api/v1/admin/articles/${await othersDraft(role)}` }),
  },
  {
    method: 'PUT',
    route: '/api/v1/admin/articles/:id',
    allowed: ['administrator', 'editor'],
    setup: async (role) => ({ path: `/api/v1/admin/articles/${await othersDraft(role)}`, body: article, json: true }),
  },
  {
    method: 'PUT',
    route: '/api/v1/admin/articles/:id#published-by-author',
    allowed: ['administrator', 'editor'],
    setup: async (role) => ({
      path: `/api/v1/admin/articles/${await draftBy(role === 'author' ? 'editor' : 'author', 'publish')}`,
      body: article,
      json: true,
    }),
  },
  {
    method: 'DELETE',
    route: '/api/v1/admin/articles/:id',
    allowed: ['administrator', 'editor'],
    setup: async (role) => ({ path: `/api/v1/admin/articles/${await othersDraft(role)}` }),
  },
  {
    method: 'POST',
    route: '/api/v1/admin/articles/autosave',
    allowed: ALL,
    setup: async () => ({ path: '/api/v1/admin/articles/autosave', body: article, json: true }),
  },
  {
    method: 'POST',
    route: '/api/v1/admin/articles/:id/autosave',
    allowed: ['administrator', 'editor'],
    setup: async (role) => ({
      path: `/api/v1/admin/articles/${await draftBy(role === 'author' ? 'contributor' : 'author')}/autosave`,
      body: article,
      json: true,
    }),
  },
  { method: 'GET', route: '/api/v1/admin/media', allowed: ALL, setup: async () => ({ path: '/api/v1/admin/media' }) },
  {
    method: 'POST',
    route: '/api/v1/admin/media',
    allowed: PUBLISHERS,
    setup: async () => ({ path: '/api/v1/admin/media', body: upload() }),
  },
  {
    method: 'DELETE',
    route: '/api/v1/admin/media/:id',
    allowed: PUBLISHERS,
    setup: async (role) => ({ path: `/api/v1/admin/media/${await mediaBy(role)}` }),
  },
  { method: 'GET', route: '/api/v1/admin/tags', allowed: ALL, setup: async () => ({ path: '/api/v1/admin/tags?q=ر' }) },
];

const EDITORS: Role[] = ['administrator', 'editor'];
const newCategory = () => new Taxonomy(site.db.db).saveCategory(undefined, { name: `قسم ${Math.random()}` });
const newTag = async () => (await ensureTags(site.db.db, [`وسم ${Math.random()}`]))[0]!;
const newPage = () => savePage(site.db.db, { title: `صفحة ${Math.random()}`, bodyHtml: '<p>نص</p>' });

ROWS.push(
  { method: 'GET', route: '/admin/categories', allowed: EDITORS, setup: async () => ({ path: '/admin/categories' }) },
  {
    method: 'POST',
    route: '/admin/categories',
    allowed: EDITORS,
    setup: async () => ({ path: '/admin/categories', body: { name: `قسم ${Math.random()}` } }),
  },
  {
    method: 'POST',
    route: '/admin/categories/:id',
    allowed: EDITORS,
    setup: async () => ({
      path: `/admin/categories/${await newCategory()}`,
      body: { name: `قسم معدل ${Math.random()}` },
    }),
  },
  {
    method: 'POST',
    route: '/admin/categories/:id/delete',
    allowed: EDITORS,
    setup: async () => ({ path: `/admin/categories/${await newCategory()}/delete`, body: { move_to: '1' } }),
  },
  { method: 'GET', route: '/admin/tags', allowed: EDITORS, setup: async () => ({ path: '/admin/tags' }) },
  {
    method: 'POST',
    route: '/admin/tags/merge',
    allowed: EDITORS,
    setup: async () => ({
      path: '/admin/tags/merge',
      body: { from: String(await newTag()), into: String(await newTag()) },
    }),
  },
  {
    method: 'POST',
    route: '/admin/tags/:id',
    allowed: EDITORS,
    setup: async () => ({ path: `/admin/tags/${await newTag()}`, body: { name: `وسم جديد ${Math.random()}` } }),
  },
  {
    method: 'POST',
    route: '/admin/tags/:id/delete',
    allowed: EDITORS,
    setup: async () => ({ path: `/admin/tags/${await newTag()}/delete`, body: {} }),
  },
  { method: 'GET', route: '/admin/pages', allowed: EDITORS, setup: async () => ({ path: '/admin/pages' }) },
  { method: 'GET', route: '/admin/pages/new', allowed: EDITORS, setup: async () => ({ path: '/admin/pages/new' }) },
  {
    method: 'GET',
    route: '/admin/pages/:id',
    allowed: EDITORS,
    setup: async () => ({ path: `/admin/pages/${await newPage()}` }),
  },
  {
    method: 'POST',
    route: '/admin/pages',
    allowed: EDITORS,
    setup: async () => ({ path: '/admin/pages', body: { title: `صفحة ${Math.random()}`, body: '<p>x</p>' } }),
  },
  {
    method: 'POST',
    route: '/admin/pages/:id',
    allowed: EDITORS,
    setup: async () => ({
      path: `/admin/pages/${await newPage()}`,
      body: { title: `معدلة ${Math.random()}`, body: '<p>y</p>' },
    }),
  },
  {
    method: 'POST',
    route: '/admin/users/:id/delete',
    allowed: ADMIN,
    setup: async () => {
      const u = await site.services.accounts.createUser({
        email: `d${Math.random()}@safir.test`,
        name: 'عابر',
        role: 'contributor',
        password: 'long password 12',
      });
      return { path: `/admin/users/${u.id}/delete`, body: { reassign: String(staff.editor.authorId) } };
    },
  },
  { method: 'GET', route: '/admin/settings', allowed: ADMIN, setup: async () => ({ path: '/admin/settings' }) },
  {
    method: 'POST',
    route: '/admin/settings',
    allowed: ADMIN,
    setup: async () => ({
      path: '/admin/settings',
      body: {
        title: `مجلة ${Math.random()}`,
        lang: 'ar',
        direction: 'rtl',
        dateStyle: 'both',
        digits: 'latin',
        timeZone: 'Asia/Riyadh',
        postsPerPage: '12',
        uploadMaxMb: '10',
        copyright: 'c',
        credit: 'c',
        tagline: 't',
        baseUrl: '',
      },
    }),
  },
);

/** A comment waiting on the seed article, written straight through the service. */
async function pendingComment(): Promise<number> {
  const lead = (await site.services.content.lead())!;
  const row = await site.db.db
    .insertInto('comments')
    .values({
      article_id: lead.id,
      parent_id: null,
      user_id: null,
      author_name: 'قارئ',
      author_email: `c${Math.random()}@example.com`,
      author_url: '',
      body: `تعليق ${Math.random()}`,
      status: 'pending',
      ip_hash: 'x',
      notify_replies: 0,
      created_at: new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

ROWS.push(
  { method: 'GET', route: '/admin/comments', allowed: EDITORS, setup: async () => ({ path: '/admin/comments' }) },
  {
    method: 'POST',
    route: '/admin/comments/bulk',
    allowed: EDITORS,
    setup: async () => ({
      path: '/admin/comments/bulk',
      body: { action: 'approve', ids: [String(await pendingComment())] },
    }),
  },
  {
    method: 'POST',
    route: '/admin/comments/:id/status',
    allowed: EDITORS,
    setup: async () => ({ path: `/admin/comments/${await pendingComment()}/status`, body: { action: 'spam' } }),
  },
  {
    method: 'POST',
    route: '/admin/comments/:id/edit',
    allowed: EDITORS,
    setup: async () => ({ path: `/admin/comments/${await pendingComment()}/edit`, body: { body: 'نص معدل' } }),
  },
  {
    method: 'POST',
    route: '/admin/comments/:id/reply',
    allowed: EDITORS,
    setup: async () => ({
      path: `/admin/comments/${await pendingComment()}/reply`,
      body: { body: `رد ${Math.random()}` },
    }),
  },
  { method: 'GET', route: '/admin/privacy', allowed: ADMIN, setup: async () => ({ path: '/admin/privacy' }) },
  {
    method: 'POST',
    route: '/admin/privacy',
    allowed: ADMIN,
    setup: async () => ({ path: '/admin/privacy', body: { email: 'someone@example.com', action: 'export' } }),
  },
  {
    method: 'POST',
    route: '/admin/privacy#erase',
    allowed: ADMIN,
    setup: async () => {
      await pendingComment();
      const row = await site.db.db
        .selectFrom('comments')
        .select('author_email')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      return { path: '/admin/privacy', body: { email: row.author_email, action: 'erase' } };
    },
  },
);

/** Routes anyone may call: the sign-in and password-reset forms (their POSTs still need the form token). */
const GUEST = [
  'GET /admin/sign-in',
  'POST /admin/sign-in',
  'GET /admin/two-factor',
  'POST /admin/two-factor',
  'GET /admin/forgot',
  'POST /admin/forgot',
  'GET /admin/reset/:token',
  'POST /admin/reset/:token',
];

/** What a refused request must not have changed. */
async function fingerprint(): Promise<string> {
  const db = site.db.db;
  const parts = await Promise.all(
    (
      [
        'articles',
        'article_revisions',
        'media',
        'users',
        'authors',
        'password_resets',
        'article_tags',
        'categories',
        'tags',
        'pages',
        'redirects',
      ] as const
    ).map(async (t) => {
      const r = await db
        .selectFrom(t)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return `${t}:${r.n}`;
    }),
  );
  const latest = await db
    .selectFrom('articles')
    .select((eb) => eb.fn.max('updated_at').as('u'))
    .executeTakeFirst();
  const users = await db
    .selectFrom('users')
    .select(['role', 'name', 'updated_at', 'totp_secret'])
    .orderBy('id')
    .execute();
  const media = await db.selectFrom('media').select(['alt']).orderBy('id').execute();
  const names = await Promise.all([
    db.selectFrom('categories').select(['name', 'slug', 'parent_id']).orderBy('id').execute(),
    db.selectFrom('tags').select(['name']).orderBy('id').execute(),
    db.selectFrom('comments').select(['status', 'body']).orderBy('id').execute(),
    db.selectFrom('pages').select(['title', 'updated_at']).orderBy('id').execute(),
    db.selectFrom('settings').select(['key', 'value']).where('key', '!=', 'content_version').orderBy('key').execute(),
  ]);
  return JSON.stringify([parts, latest, users, media, names]);
}

async function call(role: Role | null, fx: Fixture, method: string, csrf?: string) {
  const headers: Record<string, string> = {};
  let body: BodyInit | undefined;
  if (role) {
    const { token, session } = await site.services.accounts.createSession(staff[role].id, 'matrix');
    headers.cookie = `safir_session=${token}`;
    csrf ??= session.csrf_token;
  }
  if (fx.body instanceof FormData) {
    if (csrf) fx.body.set('_csrf', csrf);
    // The token must come first in a multipart body: rebuild with it at the front.
    const f = new FormData();
    if (csrf) f.append('_csrf', csrf);
    for (const [k, v] of fx.body) if (k !== '_csrf') f.append(k, v);
    body = f;
  } else if (fx.json) {
    headers['content-type'] = 'application/json';
    if (csrf) headers['x-csrf-token'] = csrf;
    body = JSON.stringify(fx.body ?? {});
  } else if (fx.body) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(fx.body as Record<string, string | string[]>))
      for (const one of [v].flat()) params.append(k, one);
    if (csrf) params.set('_csrf', csrf);
    body = params;
  } else if (method !== 'GET' && csrf) {
    headers['x-csrf-token'] = csrf;
  }
  const res = await fetch(site.base + fx.path, { method, headers, body, redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}

for (const dialect of DIALECTS)
  describe(`authorization matrix (${dialect})`, () => {
    before(async () => {
      site = await startSite(dialect);
      staff = await createStaff(site);
      png = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#884422' } })
        .png()
        .toBuffer();
    });
    after(() => site.close());

    test('every admin route and admin API endpoint declares its access and is in this matrix', () => {
      const known = new Set([...ROWS.map((r) => `${r.method} ${r.route.split('#')[0]}`), ...GUEST]);
      const routes = site.services.routes.filter(
        (r) => (r.url.startsWith('/admin') || r.url.startsWith('/api/v1/admin')) && r.method !== 'HEAD',
      );
      assert.ok(routes.length >= 40, `found ${routes.length} routes`);
      for (const r of routes) {
        assert.ok(r.access, `${r.method} ${r.url} declares no access`);
        assert.ok(known.has(`${r.method} ${r.url}`), `${r.method} ${r.url} is missing from the matrix`);
      }
    });

    for (const row of ROWS) {
      test(`${row.method} ${row.route}: allowed for ${row.allowed.join(', ')} only`, async () => {
        for (const role of ALL) {
          const fx = await row.setup(role);
          const before = await fingerprint();
          const res = await call(role, fx, row.method);
          if (row.allowed.includes(role)) {
            assert.ok(
              res.status < 400 || (row.route === '/admin/profile/password' && res.status === 400),
              `${role}: ${res.status} ${res.text.slice(0, 200)}`,
            );
          } else {
            assert.equal(res.status, 403, `${role} must be refused: ${res.text.slice(0, 200)}`);
            assert.equal(await fingerprint(), before, `${role}'s refused request changed something`);
          }
        }
      });
    }

    test('without a session, or with a wrong CSRF token, every state-changing route is refused and changes nothing', async () => {
      for (const row of ROWS.filter((r) => r.method !== 'GET')) {
        const first = await row.setup('administrator');
        const second = await row.setup('administrator');
        const before = await fingerprint();
        const anonymous = await call(null, first, row.method, 'made-up');
        assert.ok([401, 403].includes(anonymous.status), `${row.method} ${row.route} anonymous: ${anonymous.status}`);
        const forged = await call('administrator', second, row.method, 'forged-token-forged-token-forged');
        assert.equal(forged.status, 403, `${row.method} ${row.route} forged CSRF: ${forged.status}`);
        assert.match(forged.text, /CSRF|النموذج/);
        assert.equal(await fingerprint(), before, `${row.method} ${row.route}: a refused request changed something`);
      }
    });

    test('signed-out visits to admin pages go to the sign-in form; the API answers 401 JSON', async () => {
      const page = await fetch(`${site.base}/admin/articles`, { redirect: 'manual' });
      assert.equal(page.status, 303);
      assert.equal(page.headers.get('location'), '/admin/sign-in?next=%2Fadmin%2Farticles');
      const api = await fetch(`${site.base}/api/v1/admin/articles`);
      assert.equal(api.status, 401);
      const body = (await api.json()) as { errors: { code: string; message_ar: string }[] };
      assert.equal(body.errors[0]!.code, 'UNAUTHENTICATED');
      assert.ok(body.errors[0]!.message_ar);
    });

    test('every guarded route refuses anonymous and lower roles through every spelling of its path', async () => {
      const port = new URL(site.base).port;
      const seen = new Set<string>();
      let requests = 0;
      for (const row of ROWS) {
        const key = `${row.method} ${row.route.split('#')[0]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const declared = site.services.routes.find((r) => `${r.method} ${r.url}` === key)?.access;
        assert.ok(declared && declared !== 'guest' && declared !== 'public', `${key} declares ${declared}`);
        const below = ROLES.filter((role) => !allows(declared, role));
        const callers = [null, ...below];
        const fixtures: Fixture[] = [];
        for (const _ of callers) fixtures.push(await row.setup('administrator'));
        const before = await fingerprint();
        for (const [i, who] of callers.entries()) {
          const fx = fixtures[i]!;
          for (const target of spellings(fx.path, port)) {
            const res = await rawCall(who, fx, row.method, target);
            requests++;
            const what = `${who ?? 'anonymous'} ${row.method} ${target}`;
            assert.ok(
              [301, 303, 400, 401, 403, 404].includes(res.status),
              `${what}: ${res.status} ${res.text.slice(0, 120)}`,
            );
            if (res.status === 303) assert.match(res.location ?? '', /^\/admin\/sign-in\?/, what);
            if (res.status === 301) assert.equal(checkedPath(res.location), true, `${what} → ${res.location}`);
            assert.doesNotMatch(res.text, /@safir\.test/, `${what} shows staff data`);
          }
        }
        assert.ok((await fingerprint()) === before, `${key}: a refused spelling changed something`);
      }
      assert.ok(requests > 500, `${requests} requests`);
    });

    test('a route without an access rule, or an admin path outside the admin scope, stops the app from starting', async () => {
      const bare = Fastify();
      enforceRouteRules(bare);
      assert.throws(() => bare.get('/admin/forgotten', async () => 'x'), /declares no access/);
      assert.throws(() => bare.get('/admin/outside', { config: { access: 'public' } }, async () => 'x'), /admin path/);
      assert.throws(
        () => bare.get('/somewhere', { config: { access: 'manage_users' } }, async () => 'x'),
        /outside the admin scope/,
      );
      await bare.close();
      const scoped = Fastify();
      enforceRouteRules(scoped);
      void scoped.register(
        adminScope(site.services.accounts, async (scope) => {
          scope.get('/admin/no-rule', async () => 'x');
        }),
      );
      const started = await new Promise<Error | null>((resolve) => void scoped.ready((err) => resolve(err)));
      assert.match(String(started?.message), /declares no access/);
    });
  });

function allows(access: string, role: Role): boolean {
  if (access === 'signed-in') return true;
  return can(actorOf({ id: 0, role, author_id: 0 }), access as Parameters<typeof can>[1]);
}

/** The same path written the ways that once went around the guard: encoded letters, dot segments, extra slashes, absolute form. */
function spellings(path: string, port: string): string[] {
  const q = path.indexOf('?');
  const p = q < 0 ? path : path.slice(0, q);
  const query = q < 0 ? '' : path.slice(q);
  const at = (replacement: string) => p.replace(/\/admin(?=\/|$)/, replacement) + query;
  return [
    path,
    at('/%61dmin'),
    at('/adm%69n'),
    at('/%41dmin'),
    at('/%61%64%6d%69%6e'),
    at('/admin/.'),
    at('/admin/%2e'),
    at('/admin/%2E%2E/admin'),
    at('/x/../admin'),
    at('/x/%2e%2e/admin'),
    at('//admin'),
    `/${path}`,
    `${p}/${query}`,
    `${p}/.${query}`,
    at('/admin%2F'),
    at('/admin;x=1'),
    p.replace(/^\/api/, '/%61pi') + query,
    `http://127.0.0.1:${port}${path}`,
    `http://evil.example${path}`,
    `HTTP://127.0.0.1${path}`,
  ];
}

/** A redirect must point at a canonical path (which the guard then judges), never at content. */
function checkedPath(location: string | undefined): boolean {
  return Boolean(
    location &&
    location.startsWith('/') &&
    !location.startsWith('//') &&
    !/%(2e|2E|61|69|41)|\/\.\.?(\/|$|\?)/.test(location),
  );
}

/** A request with the target written exactly as given (fetch would normalise it), anonymous or as `role`, with a valid CSRF token. */
async function rawCall(role: Role | null, fx: Fixture, method: string, target: string) {
  const headers: Record<string, string> = { host: '127.0.0.1' };
  let csrf = 'guest-form-token-guest-form-token';
  if (role) {
    const { token, session } = await site.services.accounts.createSession(staff[role].id, 'spelling');
    headers.cookie = `safir_session=${token}`;
    csrf = session.csrf_token;
  } else headers.cookie = `safir_form=${csrf}`;
  headers['x-csrf-token'] = csrf;
  let body: Buffer | undefined;
  if (method !== 'GET') {
    let init: BodyInit;
    if (fx.body instanceof FormData) {
      const f = new FormData();
      f.append('_csrf', csrf);
      for (const [k, v] of fx.body) if (k !== '_csrf') f.append(k, v);
      init = f;
    } else if (fx.json) {
      headers['content-type'] = 'application/json';
      init = JSON.stringify(fx.body ?? {});
    } else {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries((fx.body ?? {}) as Record<string, string | string[]>))
        for (const one of [v].flat()) params.append(k, one);
      params.set('_csrf', csrf);
      init = params;
    }
    const r = new Response(init);
    body = Buffer.from(await r.arrayBuffer());
    headers['content-type'] ??= r.headers.get('content-type') ?? 'application/octet-stream';
    headers['content-length'] = String(body.length);
  }
  const { port } = new URL(site.base);
  return new Promise<{ status: number; text: string; location?: string }>((resolve, reject) => {
    // Only non-ASCII is encoded (as a browser would); everything else goes on the wire exactly as written.
    const path = target.replace(/[^\x00-\x7f]+/g, (c) => encodeURIComponent(c));
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString(),
          location: res.headers.location,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}
