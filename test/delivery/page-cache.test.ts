import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { PageCache } from '../../src/delivery/page-cache.js';

const cacheWith = (ttlMs = 60_000, staleMs?: number) => new PageCache({ maxBytes: 64 * 1024 * 1024, ttlMs, staleMs });

function appWith(cache: PageCache, render: () => Promise<string>, keys = ['article:1']) {
  const app = Fastify();
  app.get('/p', (req, reply) => cache.serve(req, reply, '/p', async () => ({ html: await render(), keys })));
  return app;
}

test('concurrent misses for one page share one render; then it is served from the cache', async () => {
  let renders = 0;
  const cache = cacheWith();
  const app = appWith(cache, async () => {
    renders++;
    await new Promise((r) => setTimeout(r, 50));
    return '<p>صفحة</p>';
  });
  const responses = await Promise.all(Array.from({ length: 20 }, () => app.inject('/p')));
  assert.ok(responses.every((r) => r.statusCode === 200 && r.body === '<p>صفحة</p>'));
  assert.equal(renders, 1);
  await app.inject('/p');
  assert.equal(renders, 1, 'served from the cache');
});

test('an invalidated page is served stale to 100 concurrent readers while exactly one render replaces it', async () => {
  let version = 1;
  let renders = 0;
  let release: () => void = () => {};
  const cache = cacheWith();
  const app = appWith(cache, async () => {
    renders++;
    const v = version;
    // The second render waits until every reader has been answered: nobody may be waiting for it.
    if (renders > 1) await new Promise<void>((r) => (release = r));
    return `v${v}`;
  });
  await app.inject('/p');
  version = 2;
  assert.deepEqual(cache.invalidate(['article:1']), ['/p']);
  assert.deepEqual(cache.invalidate(['article:2']), [], 'another key touches nothing');
  const readers = await Promise.all(Array.from({ length: 100 }, () => app.inject('/p')));
  assert.ok(
    readers.every((r) => r.body === 'v1'),
    'everyone got the previous page, none waited for the render',
  );
  assert.equal(renders, 2, 'exactly one render replaces it (started at once: the page was being read)');
  release();
  await cache.idle();
  assert.equal((await app.inject('/p')).body, 'v2');
  assert.equal(renders, 2);
});

test('a page nobody has read for a while is not re-rendered until somebody asks', async () => {
  let renders = 0;
  const cache = cacheWith();
  const app = appWith(cache, async () => `r${++renders}`);
  await app.inject('/p');
  const realNow = Date.now;
  Date.now = () => realNow() + 120_000; // two minutes later
  try {
    cache.invalidate(['article:1']);
    await cache.idle();
    assert.equal(renders, 1, 'a cold page waits');
  } finally {
    Date.now = realNow;
  }
});

test('a key written !key drops the page: nobody gets it stale', async () => {
  let version = 1;
  const cache = cacheWith();
  const app = appWith(cache, async () => `v${version}`);
  await app.inject('/p');
  version = 2;
  cache.invalidate(['!article:1']);
  assert.equal((await app.inject('/p')).body, 'v2');
});

test('a render that began before an invalidation of one of its keys is kept as stale', async () => {
  let n = 0;
  const cache = cacheWith();
  const app = appWith(cache, async () => {
    const mine = ++n;
    await new Promise((r) => setTimeout(r, 30));
    return `v${mine}`;
  });
  const inFlight = app.inject('/p');
  await new Promise((r) => setTimeout(r, 5));
  cache.invalidate(['article:1']);
  assert.equal((await inFlight).body, 'v1');
  assert.equal((await app.inject('/p')).body, 'v1', 'served stale while the next render runs');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await app.inject('/p')).body, 'v2');
});

test('bodies are kept gzip-compressed; brotli is made once for readers who ask; ETag answers 304', async () => {
  const cache = cacheWith();
  const app = appWith(cache, async () => 'شسيب'.repeat(2000));
  const plain = await app.inject('/p');
  assert.equal(plain.body, 'شسيب'.repeat(2000));
  const gz = await app.inject({ url: '/p', headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  const br = await app.inject({ url: '/p', headers: { 'accept-encoding': 'gzip, br' } });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.ok(Number(br.headers['content-length']) < 1000);
  const again = await app.inject({ url: '/p', headers: { 'if-none-match': String(plain.headers.etag) } });
  assert.equal(again.statusCode, 304);
});

test('the cache stays within its bytes, least recently used out', async () => {
  const cache = new PageCache({ maxBytes: 5 * 1024, ttlMs: 60_000 });
  const app = Fastify();
  app.get('/p/:n', (req, reply) =>
    cache.serve(req, reply, req.url, async () => ({ html: `${req.url} ${Math.random()}`, keys: ['x'] })),
  );
  for (let i = 0; i < 50; i++) await app.inject(`/p/${i}`);
  assert.ok(cache.stats().bytes <= 5 * 1024, `${cache.stats().bytes} bytes`);
  assert.ok(cache.stats().entries < 50);
});

test('with caching off every request renders', async () => {
  let renders = 0;
  const app = appWith(new PageCache({ maxBytes: 0, ttlMs: 0 }), async () => `r${++renders}`);
  await app.inject('/p');
  await app.inject('/p');
  assert.equal(renders, 2);
});

test('a shared cache asking for a stale page waits for the new render; if it fails, it gets the stale copy for 1 s', async () => {
  let version = 1;
  let failing = false;
  const cache = cacheWith();
  const app = appWith(cache, async () => {
    if (failing) throw Object.assign(new Error('the database is down'), { status: 503 });
    return `v${version}`;
  });
  const fresh = await app.inject('/p');
  assert.match(String(fresh.headers['cache-control']), /s-maxage=60,/);
  assert.equal(fresh.headers.xkey, 'article:1');
  version = 2;
  cache.invalidate(['article:1']);
  const proxy = { 'surrogate-capability': 'varnish=ESI/1.0' };
  const renewed = await app.inject({ url: '/p', headers: proxy });
  assert.equal(renewed.body, 'v2', 'the shared cache got the new page, not the stale one');
  version = 3;
  failing = true;
  cache.invalidate(['article:1']);
  const kept = await app.inject({ url: '/p', headers: proxy });
  assert.equal(kept.statusCode, 200);
  assert.equal(kept.body, 'v2', 'the render failed: the stale copy is served (stale-if-error)');
  assert.match(String(kept.headers['cache-control']), /s-maxage=1,/, 'and kept by the shared cache for a second only');
  await cache.idle();
});
