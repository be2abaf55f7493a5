import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { buildApp } from '../../src/app.js';
import { actorOf } from '../../src/accounts/roles.js';
import type { PurgeConfig } from '../../src/config.js';
import { purgeKeys } from '../../src/delivery/purge/purge-consumer.js';
import { EVENT_TYPES, type EventType, lastEventId, readEvents } from '../../src/events/outbox.js';
import { createStaff } from '../helpers/admin.js';
import { DIALECTS } from '../helpers/databases.js';
import { bindRouteFixtures, callRoute, insertPendingComment, ROWS, type Staff } from '../helpers/route-fixtures.js';
import { type RecordedCall, type RecordingServer, startRecordingServer } from '../helpers/recording-server.js';
import { get, startSite, type TestSite } from '../helpers/server.js';

/**
 * The CDN purger against a real HTTP server on loopback that records what a CDN's API would receive. For every
 * write path there is (each state-changing admin route, and the writes made without a request), the keys sent
 * are exactly the keys the write emitted: soft purges for what may be served stale while it is fetched again,
 * hard ones for what was taken down.
 */

const cdnConfig = (api: string, provider: 'fastly' | 'cloudflare'): PurgeConfig => ({
  varnish: [],
  varnishMode: 'xkey',
  cdn: { provider, service: 'svc-1', token: 'secret-token', apiUrl: api },
});

/** What Fastly was asked to purge, split by soft and hard. */
function fastlyKeys(calls: RecordedCall[]): { soft: string[]; hard: string[] } {
  const soft = new Set<string>();
  const hard = new Set<string>();
  for (const c of calls) {
    assert.equal(c.method, 'POST');
    assert.equal(c.url, '/service/svc-1/purge');
    assert.equal(c.headers['fastly-key'], 'secret-token');
    for (const k of String(c.headers['surrogate-key']).split(' '))
      (c.headers['fastly-soft-purge'] ? soft : hard).add(k);
  }
  return { soft: [...soft].sort(), hard: [...hard].sort() };
}

for (const dialect of DIALECTS) {
  describe(`the CDN purger sends exactly the changed keys (${dialect})`, () => {
    let site: TestSite;
    let staff: Staff;
    let cdn: RecordingServer;

    before(async () => {
      cdn = await startRecordingServer();
      site = await startSite(dialect, {
        app: { viewFlushMs: 3_600_000, outboxPollMs: 50, purge: cdnConfig(cdn.base, 'fastly') },
      });
      staff = await createStaff(site);
      const png = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#335577' } })
        .png()
        .toBuffer();
      bindRouteFixtures(site, staff, png);
    });
    after(async () => {
      await site.close();
      await cdn.close();
    });

    /** Runs `write`, waits until the purger has sent everything, and returns the events and the calls it caused. */
    async function purgedBy(write: () => Promise<unknown>) {
      await site.services.consumers.drain();
      const from = await lastEventId(site.db.db);
      const mark = cdn.calls.length;
      await write();
      await site.services.outbox.caughtUp();
      await site.services.consumers.drain();
      const events = await readEvents(site.db.db, from, [], 10_000);
      return { events, calls: cdn.calls.slice(mark) };
    }

    test('every write path: the keys sent are the keys its events name, soft and hard', async () => {
      const writes = ROWS.filter((r) => r.method !== 'GET');
      const types = new Set<EventType>();
      const mismatches: string[] = [];
      let purging = 0;
      for (const row of writes) {
        const fx = await row.setup('administrator');
        const { events, calls } = await purgedBy(() => callRoute(site, staff.administrator.id, fx, row.method));
        for (const e of events) types.add(e.type);
        const wanted = purgeKeys(events);
        const sent = fastlyKeys(calls);
        if (calls.length) purging++;
        if (JSON.stringify(sent) !== JSON.stringify({ soft: wanted.soft.sort(), hard: wanted.hard.sort() }))
          mismatches.push(
            `${row.method} ${row.route}: sent ${JSON.stringify(sent)}, emitted ${JSON.stringify(wanted)}`,
          );
      }
      assert.deepEqual(mismatches, []);
      assert.ok(purging >= 20, `${purging} of ${writes.length} write paths purged something`);
      // The writes made without a request.
      const editor = actorOf((await site.services.accounts.userByEmail('editor@safir.test'))!);
      const lead = (await site.services.content.lead())!;
      const commentId = await insertPendingComment(site.db.db, lead.id);
      const approved = await purgedBy(() => site.services.comments.setStatus([commentId], 'approved'));
      for (const e of approved.events) types.add(e.type);
      assert.deepEqual(fastlyKeys(approved.calls).soft, purgeKeys(approved.events).soft.sort());
      assert.ok(fastlyKeys(approved.calls).soft.includes(`comments:${lead.id}`));
      const id = await site.services.editorial.save(
        editor,
        undefined,
        { title: 'خبر مجدول', bodyHtml: '<p>نص</p>', categoryId: 1 },
        'schedule',
        { publishAt: new Date(Date.now() + 300).toISOString() },
      );
      await new Promise((r) => setTimeout(r, 350));
      const scheduled = await purgedBy(() => site.services.editorial.publishDue());
      for (const e of scheduled.events) types.add(e.type);
      if (scheduled.events.length) assert.ok(fastlyKeys(scheduled.calls).soft.includes(`card:${id}`));
      await site.services.editorial.publishDue();
      const down = await purgedBy(() =>
        site.services.editorial.save(
          editor,
          id,
          { title: 'خبر مجدول', bodyHtml: '<p>نص</p>', categoryId: 1 },
          'unpublish',
        ),
      );
      for (const e of down.events) types.add(e.type);
      assert.deepEqual(fastlyKeys(down.calls).hard, purgeKeys(down.events).hard.sort());
      // Every kind of event a write can emit was exercised, but the most-read box's own refresh.
      const untested = Object.keys(EVENT_TYPES).filter((t) => !types.has(t as EventType) && t !== 'list.changed');
      assert.deepEqual(untested, [], 'event types no write in this test emitted');
    });

    test('named rules: an autosave sends nothing; a body edit sends its page only; taking down is a hard purge', async () => {
      const editor = actorOf((await site.services.accounts.userByEmail('editor@safir.test'))!);
      const { editorial } = site.services;
      const input = { title: 'مقال للحذف', bodyHtml: '<p>نص</p>', categoryId: 1 };
      const draft = await editorial.save(editor, undefined, { ...input, title: 'مسودة' }, 'save');
      const autosave = await purgedBy(() =>
        editorial.save(editor, draft, { ...input, title: 'مسودة', bodyHtml: '<p>أكثر</p>' }, 'save', {
          autosave: true,
        }),
      );
      assert.deepEqual(autosave.calls, []);
      const id = await editorial.save(editor, undefined, input, 'publish');
      const edit = await purgedBy(() => editorial.save(editor, id, { ...input, bodyHtml: '<p>نص آخر</p>' }, 'save'));
      const sent = fastlyKeys(edit.calls);
      assert.ok(sent.soft.includes(`article:${id}`));
      assert.ok(!sent.soft.some((k) => k.startsWith('list:')), `no list is purged by a body edit: ${sent.soft}`);
      assert.deepEqual(sent.hard, []);
      const down = await purgedBy(() => editorial.save(editor, id, input, 'unpublish'));
      assert.ok(fastlyKeys(down.calls).hard.includes(`article:${id}`));
      assert.ok(!fastlyKeys(down.calls).soft.includes(`article:${id}`));
      assert.ok(
        down.calls.every(
          (c) => !c.headers['fastly-soft-purge'] || !String(c.headers['surrogate-key']).includes(`article:${id} `),
        ),
      );
    });

    test('an API that fails is retried with backoff until it answers, in order, and nothing is skipped', async () => {
      const editor = actorOf((await site.services.accounts.userByEmail('editor@safir.test'))!);
      const id = await site.services.editorial.save(
        editor,
        undefined,
        { title: 'أ', bodyHtml: '<p>1</p>', categoryId: 1 },
        'publish',
      );
      await site.services.consumers.drain();
      const mark = cdn.calls.length;
      cdn.failNext(3);
      for (let n = 2; n <= 4; n++)
        await site.services.editorial.save(editor, id, { title: 'أ', bodyHtml: `<p>${n}</p>`, categoryId: 1 }, 'save');
      await site.services.consumers.drain(20_000);
      const calls = cdn.calls.slice(mark);
      assert.ok(calls.length >= 1, 'the purge arrived after the outage');
      assert.ok(fastlyKeys(calls).soft.includes(`article:${id}`));
    });

    test('a purge missed while no node ran is sent when one starts again (the cursor is in the database)', async () => {
      const editor = actorOf((await site.services.accounts.userByEmail('editor@safir.test'))!);
      const id = await site.services.editorial.save(
        editor,
        undefined,
        { title: 'ب', bodyHtml: '<p>1</p>', categoryId: 1 },
        'publish',
      );
      await site.services.consumers.drain();
      await site.services.consumers.stop();
      const mark = cdn.calls.length;
      await site.services.editorial.save(editor, id, { title: 'ب', bodyHtml: '<p>2</p>', categoryId: 1 }, 'save');
      assert.equal(cdn.calls.length, mark, 'nothing is sent while the consumers are stopped');
      const { app, services } = await buildApp({
        database: site.db,
        mediaRoot: `${site.db.dir}/media`,
        logger: false,
        purge: cdnConfig(cdn.base, 'fastly'),
      });
      try {
        await services.consumers.drain();
        assert.ok(fastlyKeys(cdn.calls.slice(mark)).soft.includes(`article:${id}`));
      } finally {
        await app.close();
      }
    });
  });
}

describe('Cloudflare-style purges and tags', () => {
  let site: TestSite;
  let cdn: RecordingServer;
  before(async () => {
    cdn = await startRecordingServer();
    site = await startSite('sqlite', {
      app: {
        purge: cdnConfig(cdn.base, 'cloudflare'),
        sharedCache: { maxAge: 86_400, staleWhileRevalidate: 60, staleIfError: 86_400, cacheTag: true },
      },
    });
  });
  after(async () => {
    await site.close();
    await cdn.close();
  });

  test('pages carry Cache-Tag; purges go as {"tags": […]}, at most 30 a call, with the bearer token', async () => {
    const page = await get(site, '/');
    const tags = (page.headers.get('cache-tag') ?? '').split(',');
    assert.ok(tags.includes('site') && tags.includes('list:home'), `${tags}`);
    assert.equal(page.headers.get('surrogate-key'), tags.join(' '));
    const { editorial, accounts } = site.services;
    const admin = await accounts.createUser({
      email: 'c@safir.test',
      name: 'م',
      role: 'administrator',
      password: 'a long password',
    });
    const mark = cdn.calls.length;
    // A site-wide change and 40 new articles at once: more keys than one call may carry.
    const ids: number[] = [];
    for (let i = 0; i < 40; i++)
      ids.push(
        await editorial.save(
          actorOf(admin),
          undefined,
          { title: `خبر ${i}`, bodyHtml: '<p>ن</p>', categoryId: 1 },
          'publish',
        ),
      );
    await site.services.outbox.caughtUp();
    await site.services.consumers.drain();
    const calls = cdn.calls.slice(mark);
    const sent = new Set<string>();
    for (const c of calls) {
      assert.equal(c.url, '/client/v4/zones/svc-1/purge_cache');
      assert.equal(c.headers.authorization, 'Bearer secret-token');
      const body = JSON.parse(c.body) as { tags: string[] };
      assert.ok(body.tags.length >= 1 && body.tags.length <= 30);
      for (const t of body.tags) sent.add(t);
    }
    for (const id of ids) assert.ok(sent.has(`card:${id}`), `card:${id} purged`);
  });
});
