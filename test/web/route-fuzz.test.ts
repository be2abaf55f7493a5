import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createStaff } from '../helpers/admin.js';
import { DIALECTS } from '../helpers/databases.js';
import { startSite, type TestSite } from '../helpers/server.js';

/**
 * Every route Fastify knows, read from its own route table (so a new route is
 * fuzzed without anyone remembering), gets malformed input on SQLite and on
 * PostgreSQL: huge and empty strings, wrong types, control characters, lone
 * surrogates, mixed scripts, ids out of range, deep JSON, wrong content
 * types, truncated multipart, other spellings of its path. Each answer must be
 * below 500, nothing may be logged as an error or escape as an unhandled
 * rejection, and a refused write must leave the data as it was.
 *
 * Replay a failure with SAFIR_FUZZ_SEED=<seed printed below> (and fast-check's
 * printed path); SAFIR_FUZZ_RUNS sets the cases per route.
 */
const SEED = Number(process.env.SAFIR_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.SAFIR_FUZZ_RUNS ?? 25);

const NASTY = [
  '',
  ' ',
  '0',
  '-1',
  '1.5',
  '2147483647',
  '2147483648',
  '9223372036854775808',
  '99999999999999999999',
  '9'.repeat(400),
  '1e999',
  'Infinity',
  'NaN',
  '0x10',
  'null',
  'true',
  '[]',
  '{}',
  '%',
  '%00',
  '\u0000',
  'a\u0000b',
  '\u0007\u001b[31m',
  '\ud800',
  'x\udfffy',
  '\u202eevil',
  'x'.repeat(70_000),
  'ش'.repeat(5000),
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '../../etc/passwd',
  'مرحبا hello שלום 😀 \u0301',
  '2026-02-30T10:00:00Z',
  '1 garbage',
  'publish',
  'approve',
  'administrator',
  'constructor',
  '__proto__',
  'toString',
  'valueOf',
  'hasOwnProperty',
];

const value = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }).map(String) },
);

/** Percent-encoding that keeps broken text broken on the wire (a lone surrogate becomes invalid UTF-8). */
function encode(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff)
      out += `%ED%${(0xa0 + ((code >> 6) & 0x1f)).toString(16)}%${(0x80 + (code & 0x3f)).toString(16)}`;
    else out += encodeURIComponent(ch);
  }
  return out;
}

const SPELLINGS: ((path: string) => string)[] = [
  (p) => p,
  (p) => p,
  (p) => p,
  (p) => p.replace(/^\/(.)/, (_m, c: string) => `/%${c.charCodeAt(0).toString(16)}`),
  (p) => `/${p}`,
  (p) => p.replace(/\/([^/]*)$/, '/./$1'),
  (p) => p.replace(/\/([^/]*)$/, '/%2e/$1'),
  (p) => `${p}/`,
  (p) => `http://evil.example${p}`,
  (p) => `${p}%2F..`,
  (p) => `/x/..${p}`,
];

type Body = { contentType?: string; bytes: Buffer } | undefined;

function bodies(fields: string[]) {
  const key = fc.oneof(
    fc.constantFrom(...fields, '_csrf', 'id', '__proto__', 'constructor'),
    fc.string({ maxLength: 12 }),
  );
  const entries = fc.array(fc.tuple(key, value), { maxLength: 8 });
  const json = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      value,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(key, tie('node'), { maxKeys: 5 }),
    ),
  })).node;
  return fc.oneof(
    fc.constant<Body>(undefined),
    entries.map<Body>((pairs) => ({
      contentType: 'application/x-www-form-urlencoded',
      bytes: Buffer.from(pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')),
    })),
    fc.dictionary(key, json, { maxKeys: 8 }).map<Body>((o) => ({
      contentType: 'application/json',
      bytes: Buffer.from(JSON.stringify(o)),
    })),
    fc.constantFrom<Body>(
      { contentType: 'application/json', bytes: Buffer.from(`${'['.repeat(20_000)}${']'.repeat(20_000)}`) },
      { contentType: 'application/json', bytes: Buffer.from(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`) },
      { contentType: 'application/json', bytes: Buffer.from('{"title": "unterminated') },
      { contentType: 'application/json', bytes: Buffer.from('{"__proto__": {"access": "public"}}') },
      {
        contentType: 'application/json',
        bytes: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      },
      { contentType: 'application/x-www-form-urlencoded', bytes: Buffer.from([0x61, 0x3d, 0xc3, 0x28]) },
      { contentType: 'application/x-www-form-urlencoded', bytes: Buffer.from('a=%E0%A4%A&b=%') },
      { contentType: 'text/plain', bytes: Buffer.from('title=plain') },
      { contentType: 'application/xml', bytes: Buffer.from('<a>1</a>') },
      {
        contentType: 'multipart/form-data; boundary=X',
        bytes: Buffer.from(
          '--X\r\nContent-Disposition: form-data; name="alt"\r\n\r\nصورة\r\n--X\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n',
        ),
      },
      { contentType: 'multipart/form-data', bytes: Buffer.from('--nope') },
      { contentType: 'application/json; charset=latin1', bytes: Buffer.from('{}') },
      { contentType: undefined, bytes: Buffer.from('x'.repeat(100)) },
    ),
  );
}

interface Route {
  method: string;
  url: string;
  access: string | undefined;
  params: string[];
  query: string[];
  body: string[];
}

const TABLES = [
  'articles',
  'article_tags',
  'article_revisions',
  'authors',
  'categories',
  'tags',
  'pages',
  'media',
  'redirects',
  'users',
  'password_resets',
  'comments',
  'settings',
] as const;

for (const dialect of DIALECTS) {
  describe(`every route, fuzzed (${dialect})`, () => {
    let site: TestSite;
    let logs = '';
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    let adminId = 0;
    before(async () => {
      const stream = new Writable({
        write(chunk, _enc, done) {
          logs += chunk.toString();
          done();
        },
      });
      site = await startSite(dialect, { app: { logger: { level: 'warn', stream } } });
      adminId = (await createStaff(site)).administrator.id;
      process.on('unhandledRejection', onRejection);
    });
    after(async () => {
      process.off('unhandledRejection', onRejection);
      await site.close();
    });

    /** What a refused request must not have changed: row counts, and the newest change of each kind. */
    async function fingerprint(): Promise<string> {
      const db = site.db.db;
      const counts = await Promise.all(
        TABLES.map(async (t) => {
          const r = await db
            .selectFrom(t)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow();
          return Number(r.n);
        }),
      );
      const [a, u, s] = await Promise.all([
        db
          .selectFrom('articles')
          .select((eb) => eb.fn.max('updated_at').as('m'))
          .executeTakeFirst(),
        db
          .selectFrom('users')
          .select((eb) => eb.fn.max('updated_at').as('m'))
          .executeTakeFirst(),
        db
          .selectFrom('settings')
          .select(['key', 'value'])
          .where('key', '!=', 'content_version')
          .orderBy('key')
          .execute(),
      ]);
      return JSON.stringify([counts, a?.m, u?.m, s]);
    }

    function send(target: string, method: string, headers: Record<string, string>, body: Body) {
      const { port } = new URL(site.base);
      const h: Record<string, string> = { ...headers };
      if (body?.contentType) h['content-type'] = body.contentType;
      if (body) h['content-length'] = String(body.bytes.length);
      return new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path: target, headers: h }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        });
        req.setTimeout(20_000, () => req.destroy(new Error(`timeout: ${method} ${target}`)));
        req.on('error', reject);
        req.end(body?.bytes);
      });
    }

    test('ids beyond 2³¹−1 and 2⁶³ in any path, query or body are answered 400 or 404', async () => {
      const huge = ['2147483648', '9223372036854775808', '99999999999999999999', '-1', '0'];
      type Props = Record<string, { type?: string; format?: string; items?: { format?: string } }>;
      const idLike = (props: Props | undefined) =>
        Object.entries(props ?? {})
          .filter(([, p]) => p.type === 'integer' || p.format === 'id-or-empty' || p.items?.format === 'id-or-empty')
          .map(([k]) => k);
      let checked = 0;
      for (const route of site.services.routes.filter((r) => r.method !== 'HEAD')) {
        const schema = route.schema as
          | { params?: { properties?: Props }; querystring?: { properties?: Props }; body?: { properties?: Props } }
          | undefined;
        const params = idLike(schema?.params?.properties);
        const query = idLike(schema?.querystring?.properties);
        const body = idLike(schema?.body?.properties);
        for (const big of huge) {
          const cases: { path: string; body?: Body }[] = [];
          const fill = (p: string) =>
            p.replace(/:([A-Za-z_]+)/g, (_m, name: string) => (params.includes(name) ? big : '1'));
          if (params.length) cases.push({ path: fill(route.url) });
          for (const q of query) cases.push({ path: `${fill(route.url).replace(/:([A-Za-z_]+)/g, '1')}?${q}=${big}` });
          for (const b of body)
            for (const contentType of ['application/x-www-form-urlencoded', 'application/json'])
              cases.push({
                path: route.url.replace(/:([A-Za-z_]+)/g, '1'),
                body: {
                  contentType,
                  bytes: Buffer.from(
                    contentType.endsWith('json')
                      ? `{"${b}": ${/^-?\d+$/.test(big) ? big : `"${big}"`}}`
                      : `${b}=${big}`,
                  ),
                },
              });
          for (const c of cases) {
            const { token, session } = await site.services.accounts.createSession(adminId, 'ids');
            const headers = { host: '127.0.0.1', cookie: `safir_session=${token}`, 'x-csrf-token': session.csrf_token };
            const res = await send(c.path, route.method, headers, route.method === 'GET' ? undefined : c.body);
            checked++;
            const what = `${route.method} ${c.path} ${c.body?.bytes.toString() ?? ''}`;
            assert.ok(res.status === 400 || res.status === 404, `${what} → ${res.status} ${res.text.slice(0, 200)}`);
          }
        }
      }
      assert.ok(checked > 300, `${checked} requests`);
    });

    test(`every route answers malformed input below 500, logs no error, and writes nothing it refuses (seed ${SEED})`, async () => {
      console.log(`route fuzz on ${dialect}: SAFIR_FUZZ_SEED=${SEED}, ${RUNS} cases per route`);
      const schemaKeys = (schema: unknown) =>
        Object.keys((schema as { properties?: object } | undefined)?.properties ?? {});
      const routes: Route[] = site.services.routes
        .filter((r) => r.method !== 'HEAD')
        .map((r) => ({
          ...r,
          params: [...r.url.matchAll(/:([A-Za-z_]+)|\*/g)].map((m) => m[1] ?? '*'),
          query: schemaKeys(r.schema?.querystring),
          body: schemaKeys(r.schema?.body),
        }));
      assert.ok(routes.length >= 90, `${routes.length} routes`);
      let requests = 0;
      const started = Date.now();
      for (const [i, route] of routes.entries()) {
        const property = fc.asyncProperty(
          fc.array(value, { minLength: route.params.length, maxLength: route.params.length }),
          fc.array(
            fc.tuple(fc.oneof(fc.constantFrom(...route.query, 'page', 'id'), fc.string({ maxLength: 8 })), value),
            {
              maxLength: 5,
            },
          ),
          fc.integer({ min: 0, max: SPELLINGS.length - 1 }),
          bodies(route.body),
          fc.boolean(),
          async (paramValues, query, spelling, body, signedIn) => {
            let path = route.url;
            route.params.forEach((name, k) => {
              path = path.replace(name === '*' ? '*' : `:${name}`, encode(paramValues[k]!).replace(/%2F/g, '/'));
            });
            const qs = query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
            const target = SPELLINGS[spelling]!(path) + (qs ? `?${qs}` : '');
            const headers: Record<string, string> = { host: '127.0.0.1', accept: 'text/html,application/json' };
            if (signedIn) {
              // A fresh administrator's session per case: a fuzzed sign-out or deletion cannot spoil the next.
              const { token, session } = await site.services.accounts.createSession(adminId, 'fuzz');
              headers.cookie = `safir_session=${token}`;
              headers['x-csrf-token'] = session.csrf_token;
            }
            const method = route.method;
            const sent = method === 'GET' || method === 'DELETE' ? undefined : body;
            const before = method === 'GET' ? '' : await fingerprint();
            const res = await send(target, method, headers, sent);
            requests++;
            const what = `${method} ${target.slice(0, 200)} (${sent?.contentType ?? 'no body'})`;
            if (res.status >= 500) {
              const logged =
                logs
                  .split('\n')
                  .filter((l) => /"level":(50|60)/.test(l))
                  .at(-1) ?? '';
              assert.fail(`${what} → ${res.status}; logged: ${logged.slice(0, 1500)}`);
            }
            if (method !== 'GET' && res.status >= 400)
              assert.equal(await fingerprint(), before, `${what} → ${res.status}: refused, yet something changed`);
          },
        );
        await fc.assert(property, { seed: SEED + i, numRuns: RUNS, endOnFailure: true });
      }
      const errors = logs
        .split('\n')
        .filter((l) => /"level":(50|60)/.test(l))
        .map((l) => l.slice(0, 400));
      console.log(
        `route fuzz on ${dialect}: ${requests} requests over ${routes.length} routes in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      assert.deepEqual(errors, [], 'nothing logged as an error');
      assert.deepEqual(rejections, [], 'no unhandled rejection');
    });
  });
}
