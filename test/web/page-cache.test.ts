import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { PageCache } from '../../src/web/page-cache.js';

function appWith(cache: PageCache, render: () => Promise<string>) {
  const app = Fastify();
  app.get('/p', (req, reply) => cache.serve(req, reply, async () => ({ html: await render() })));
  return app;
}

test('concurrent requests for one page share one render', async () => {
  let renders = 0;
  const cache = new PageCache(60_000);
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
  cache.clear();
  await app.inject('/p');
  assert.equal(renders, 2, 'rendered again after a clear');
});

test('a render that began before a clear is not kept after it', async () => {
  let n = 0;
  const cache = new PageCache(60_000);
  const app = appWith(cache, async () => {
    const mine = ++n;
    await new Promise((r) => setTimeout(r, 30));
    return `v${mine}`;
  });
  const inFlight = app.inject('/p');
  await new Promise((r) => setTimeout(r, 5));
  cache.clear();
  assert.equal((await inFlight).body, 'v1');
  assert.equal((await app.inject('/p')).body, 'v2');
});

test('with a TTL of 0 every request renders', async () => {
  let renders = 0;
  const app = appWith(new PageCache(0), async () => `r${++renders}`);
  await app.inject('/p');
  await app.inject('/p');
  assert.equal(renders, 2);
});
