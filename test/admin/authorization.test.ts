import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Role } from '../../src/db/schema.js';
import { createStaff } from '../helpers/admin.js';
import { ALL, bindRouteFixtures, type Fixture, ROWS, type Staff } from '../helpers/route-fixtures.js';
import { startSite, type TestSite } from '../helpers/server.js';
import { DIALECTS } from '../helpers/databases.js';
import { request as httpRequest } from 'node:http';
import Fastify from 'fastify';
import { actorOf, can, ROLES } from '../../src/accounts/roles.js';
import { adminScope, enforceRouteRules } from '../../src/accounts/http.js';

/**
 * The role-by-action matrix: every admin route and admin API endpoint is
 * called by each role with a valid session and CSRF token, and must succeed
 * for exactly the roles listed and be refused (403, nothing changed) for the
 * others. Then every state-changing route is called without a session and
 * with a wrong CSRF token: refused, nothing changed. A route added without a
 * row here fails the coverage test.
 */
let site: TestSite;
let staff: Staff;
let png: Buffer;

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
      bindRouteFixtures(site, staff, png);
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
