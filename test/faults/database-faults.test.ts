import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../../src/db/database.js';
import { paths } from '../../src/content/urls.js';
import { PG_ADMIN_URL } from '../helpers/databases.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { postForm } from '../helpers/processes.js';
import { startSite, type TestSite } from '../helpers/server.js';

/** The app's database timeout in these tests: every request must answer within it (plus rendering). */
const TIMEOUT_MS = 1000;
/** How long a request may take while PostgreSQL is frozen: the statement timeout, one retry's pause, slack. */
const ANSWER_WITHIN_MS = TIMEOUT_MS * 2 + 1500;

interface Tally {
  requests: number;
  byStatus: Map<number, number>;
  slowestMs: number;
}

async function fetchTimed(url: string, tally: Tally, init?: RequestInit) {
  const started = performance.now();
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  const ms = performance.now() - started;
  tally.requests++;
  tally.byStatus.set(res.status, (tally.byStatus.get(res.status) ?? 0) + 1);
  tally.slowestMs = Math.max(tally.slowestMs, ms);
  return { status: res.status, headers: res.headers, text, ms };
}

const newTally = (): Tally => ({ requests: 0, byStatus: new Map(), slowestMs: 0 });
const report = (label: string, t: Tally) =>
  console.log(
    `${label}: ${t.requests} requests, ${[...t.byStatus].map(([s, n]) => `${n}×${s}`).join(', ')}, slowest ${t.slowestMs.toFixed(0)} ms`,
  );

/** Polls `url` until it answers 200; returns how long that took after `since`. */
async function recovery(url: string, since: number, limitMs = 10_000): Promise<number> {
  for (;;) {
    const res = await fetch(url, { redirect: 'manual' }).catch(() => undefined);
    await res?.text();
    if (res?.status === 200) return performance.now() - since;
    if (performance.now() - since > limitMs) throw new Error(`${url} did not recover within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('PostgreSQL out of reach, frozen, or cut, through a proxy between Safir and the server', () => {
  let proxy: FaultProxy;
  let site: TestSite;
  let articlePath: string;
  let articleId: number;
  let uncached: string[];
  let searches = 0;
  /** A page nobody asked for before: a cache miss that needs the database. */
  const fresh = () =>
    `/search?q=${encodeURIComponent(['الصين', 'روسيا', 'اقتصاد', 'ثقافة'][searches % 4]!)}&page=${++searches}`;

  before(async () => {
    proxy = await startFaultProxy(Number(new URL(PG_ADMIN_URL).port || 5432));
    site = await startSite('postgres', {
      connect: (db) => openDatabase(proxy.via(db.url), { timeoutMs: TIMEOUT_MS }),
      app: { databaseTimeoutMs: TIMEOUT_MS },
    });
    const lead = (await site.services.content.lead())!;
    articlePath = paths.article(lead.slug);
    articleId = lead.id;
    const categories = await site.services.content.categories();
    const tags = await site.db.db.selectFrom('tags').select('slug').execute();
    // Pages nobody has asked for yet: each is a cache miss that needs the database.
    uncached = [...categories.map((c) => paths.category(c.slug)), ...tags.map((t) => paths.tag(t.slug))];
    assert.ok(uncached.length >= 6, 'enough distinct uncached pages');
  });
  after(async () => {
    await proxy.set('pass');
    await site.close();
    await proxy.close();
  });

  test('unreachable: cached pages are served (stale ones too), others get a styled 503 with Retry-After; no 500', async () => {
    // Cached: the home page, fresh; the article, made stale by a change just before the outage.
    for (const path of ['/', articlePath]) assert.equal((await fetch(site.base + path)).status, 200);
    site.services.pageCache.invalidate([`article:${articleId}`]);

    await proxy.set('refuse');
    const down = performance.now();
    const tally = newTally();
    for (let round = 0; round < 3; round++) {
      for (const path of ['/', articlePath]) {
        const res = await fetchTimed(site.base + path, tally);
        assert.equal(res.status, 200, `${path} from the cache while the database is down`);
      }
      const miss = await fetchTimed(site.base + uncached[round]!, tally);
      assert.equal(miss.status, 503);
      assert.equal(miss.headers.get('retry-after'), '5');
      assert.equal(miss.headers.get('cache-control'), 'no-store');
      assert.match(miss.text, /<html lang="ar" dir="rtl">/);
      assert.match(miss.text, /الموقع غير متاح مؤقتاً/);
      assert.match(miss.text, /قاعدة البيانات غير متاحة/);
      assert.match(miss.text, /<link rel="stylesheet" href="\/assets\/theme\.[0-9a-f]+\.css">/);
      // The API says it in JSON, both languages.
      const api = await fetchTimed(`${site.base}/api/v1/articles?limit=${5 + round}`, tally);
      assert.equal(api.status, 503);
      const body = JSON.parse(api.text) as { errors: { code: string; message_ar: string; message_en: string }[] };
      assert.equal(body.errors[0]!.code, 'DATABASE_UNAVAILABLE');
      assert.match(body.errors[0]!.message_en, /unavailable/);
      // A reader's comment is refused with the same clear answer, not a 500.
      const comment = await fetchTimed(`${site.base}${articlePath}/comments`, tally, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ author: 'قارئ', email: 'r@example.com', comment: 'تعليق', token: 'x' }).toString(),
      });
      assert.ok([400, 503].includes(comment.status), `comment while down: ${comment.status}`);
    }
    const ready = await fetchTimed(`${site.base}/readyz`, tally);
    assert.equal(ready.status, 503);
    assert.equal((await fetchTimed(`${site.base}/healthz`, tally)).status, 200, 'the process itself lives');
    report('unreachable', tally);
    assert.equal(tally.byStatus.get(500) ?? 0, 0, 'no 500');
    assert.ok(tally.slowestMs < ANSWER_WITHIN_MS, `every answer within ${ANSWER_WITHIN_MS} ms`);

    await proxy.set('pass');
    const back = performance.now();
    const ms = await recovery(site.base + uncached[5]!, back);
    console.log(`unreachable for ${(back - down).toFixed(0)} ms; recovered ${ms.toFixed(0)} ms after it came back`);
    assert.ok(ms < 5000, 'recovery within 5 s');
    assert.equal((await fetch(`${site.base}/readyz`)).status, 200);
  });

  test('frozen (no answer at all): every request answers within the timeout; cached pages stay fast', async () => {
    await fetch(site.base + '/').then((r) => r.text());
    await proxy.set('freeze');
    const tally = newTally();
    const started = performance.now();
    // Readers at once, as a frozen database meets them: several misses in parallel, and cached hits.
    const misses = Array.from({ length: 4 }, () => fetchTimed(site.base + fresh(), tally));
    const hits = Array.from({ length: 20 }, () => fetchTimed(site.base + '/', tally));
    const hitResults = await Promise.all(hits);
    const hitsDone = performance.now() - started;
    const missResults = await Promise.all(misses);
    const ready = await fetchTimed(`${site.base}/readyz`, tally);
    report('frozen', tally);
    for (const r of hitResults) assert.equal(r.status, 200);
    assert.ok(hitsDone < 1000, `cached pages answered in ${hitsDone.toFixed(0)} ms while the database hung`);
    for (const r of missResults) assert.equal(r.status, 503);
    assert.equal(ready.status, 503);
    assert.equal(tally.byStatus.get(500) ?? 0, 0, 'no 500');
    assert.ok(tally.slowestMs < ANSWER_WITHIN_MS, `slowest ${tally.slowestMs.toFixed(0)} ms`);

    await proxy.set('pass');
    const back = performance.now();
    const ms = await recovery(site.base + fresh(), back);
    console.log(`frozen: recovered ${ms.toFixed(0)} ms after it thawed`);
    assert.ok(ms < 5000, 'recovery within 5 s');
  });

  test('a connection cut in the middle of a read (a restart): the read is retried on a new connection, the page is served', async () => {
    const tally = newTally();
    for (let i = 0; i < 3; i++) {
      // Every byte to and from PostgreSQL takes 400 ms: the page's first read is surely in flight when the
      // connections are cut 150 ms in, and the server comes straight back.
      await proxy.set('slow', 400);
      const page = fetchTimed(site.base + fresh(), tally);
      await new Promise((r) => setTimeout(r, 150));
      await proxy.set('refuse');
      await proxy.set('pass');
      const res = await page;
      assert.equal(res.status, 200, 'served, though the connection under its read was cut');
    }
    report('cut mid-read', tally);
  });

  test('slow (200 ms each way): pages still render, slower, without errors', async () => {
    await proxy.set('slow', 200);
    try {
      const tally = newTally();
      const res = await fetchTimed(site.base + fresh(), tally);
      report('slow', tally);
      assert.equal(res.status, 200);
    } finally {
      await proxy.set('pass');
    }
  });
});

describe('SQLite locked by another process for longer than Safir waits', () => {
  let site: TestSite;
  before(async () => {
    site = await startSite('sqlite');
  });
  after(() => site.close());

  test('a comment meets a prompt 503 with Retry-After, nothing is half-written, and the next one after goes in', async () => {
    const lead = (await site.services.content.lead())!;
    const path = `${paths.article(lead.slug)}/comments`;
    const token = async () => ((await (await fetch(`${site.base}${path}/token`)).json()) as { token: string }).token;
    const [t1, t2] = [await token(), await token()];
    await new Promise((r) => setTimeout(r, 3100)); // a human takes a few seconds to write
    const before = await site.db.db.selectFrom('comments').select('id').execute();
    // Another process (a backup, a CLI import) holds the write lock.
    const other = new BetterSqlite3(site.db.url);
    other.exec('begin immediate');
    const started = performance.now();
    const post = (token: string) =>
      postForm(site.base, path, { author: 'قارئ', email: 'r@example.com', comment: `تعليق ${token}`, token });
    let locked;
    try {
      locked = await post(t1!);
    } finally {
      other.exec('rollback');
      other.close();
    }
    const ms = performance.now() - started;
    assert.equal(locked.status, 503, locked.text.slice(0, 300));
    assert.match(locked.text, /قاعدة البيانات غير متاحة الآن/);
    assert.ok(ms < 7000, `answered after ${ms.toFixed(0)} ms (Safir waits 5 s for a lock)`);
    assert.equal((await site.db.db.selectFrom('comments').select('id').execute()).length, before.length);
    assert.equal((await post(t2!)).status, 303, 'the lock gone, the next comment is taken');
  });
});
