import type { Role } from '../../src/db/schema.js';
import { savePage, ensureTags } from '../../src/content/service.js';
import { Taxonomy } from '../../src/content/taxonomy.js';
import type { createStaff } from './admin.js';
import type { TestSite } from './server.js';

/**
 * One row per admin route and admin API endpoint: who may call it, and how to
 * build a real request for it (a fresh target each time). The authorization
 * matrix calls each as every role; the invalidation test calls each state-
 * changing one and checks that no cached page is left showing old content.
 */
export const ALL: Role[] = ['administrator', 'editor', 'author', 'contributor'];
export const PUBLISHERS: Role[] = ['administrator', 'editor', 'author'];
export const ADMIN: Role[] = ['administrator'];

export type Staff = Awaited<ReturnType<typeof createStaff>>;

export interface Fixture {
  path: string;
  body?: Record<string, string | string[]> | FormData | object;
  json?: boolean;
}

export interface Row {
  method: string;
  route: string;
  allowed: Role[];
  /** Builds a fresh target for one call by `role` (so a delete in one call does not spoil the next). */
  setup: (role: Role) => Promise<Fixture>;
}

/** Calls a fixture's route as a signed-in user (session cookie and CSRF token), as the admin's pages would. */
export async function callRoute(target: TestSite, userId: number, fx: Fixture, method: string): Promise<number> {
  const { token, session } = await target.services.accounts.createSession(userId, 'fixture');
  const headers: Record<string, string> = { cookie: `safir_session=${token}` };
  let body: BodyInit | undefined;
  if (fx.body instanceof FormData) {
    // The token must come first in a multipart body.
    const f = new FormData();
    f.append('_csrf', session.csrf_token);
    for (const [k, v] of fx.body) if (k !== '_csrf') f.append(k, v);
    body = f;
  } else if (fx.json) {
    headers['content-type'] = 'application/json';
    headers['x-csrf-token'] = session.csrf_token;
    body = JSON.stringify(fx.body ?? {});
  } else if (method !== 'GET') {
    const params = new URLSearchParams({ _csrf: session.csrf_token });
    for (const [k, v] of Object.entries((fx.body ?? {}) as Record<string, string | string[]>))
      for (const one of [v].flat()) params.append(k, one);
    body = params;
  }
  const res = await fetch(target.base + fx.path, { method, headers, body, redirect: 'manual' });
  await res.text();
  return res.status;
}

let site: TestSite;
let staff: Staff;
let png: Buffer;

/** The site, staff and image the fixtures build their requests against. */
export function bindRouteFixtures(s: TestSite, st: Staff, p: Buffer): void {
  site = s;
  staff = st;
  png = p;
}

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

export const ROWS: Row[] = [
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

export const EDITORS: Role[] = ['administrator', 'editor'];
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

/** A comment waiting on the seed article. */
async function pendingComment(): Promise<number> {
  return insertPendingComment(site.db.db, (await site.services.content.lead())!.id);
}

/** A reader's comment waiting for moderation, written straight into the database (no request, no events). */
export async function insertPendingComment(db: TestSite['db']['db'], articleId: number): Promise<number> {
  const row = await db
    .insertInto('comments')
    .values({
      article_id: articleId,
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
