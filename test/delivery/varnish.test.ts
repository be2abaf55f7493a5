import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Actor } from '../../src/accounts/roles.js';
import type { Editorial } from '../../src/content/editorial.js';
import { VarnishPurger } from '../../src/delivery/purge/varnish.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { PASSWORD, signIn } from '../helpers/admin.js';
import { serveProcess, stopProcess } from '../helpers/processes.js';
import type { TestSite } from '../helpers/server.js';
import { editorOn } from '../helpers/newsroom.js';
import { freePort, isHit, type RunningVarnish, startVarnish } from '../helpers/varnish.js';

/**
 * Two Safir nodes on one database behind a real Varnish (Debian's, with xkey from varnish-modules) running the
 * project's own deploy/varnish/safir.vcl. Varnish's backend is node A; edits arrive through node B. The purge
 * follows the outbox: exactly the changed keys, after every node has dropped its own copy.
 */

const ARTICLES = 30;
const versionOf = (html: string) => /<p>(نسخة رقم \d+)<\/p>/.exec(html)?.[1];

for (const dialect of DIALECTS) {
  describe(`Varnish in front of two nodes on one ${dialect} database`, () => {
    let db: TestDatabase;
    let varnish: RunningVarnish;
    const nodes: { child: ChildProcess; base: string }[] = [];
    const ids: number[] = [];
    const paths: string[] = [];
    let categoryId: number;
    let editorial: Editorial;
    let editor: Actor;

    before(async () => {
      db = await createTestDatabase(dialect);
      const newsroom = await editorOn(db.db, 'v@safir.test', PASSWORD);
      editor = newsroom.actor;
      editorial = newsroom.editorial;
      categoryId = newsroom.categoryId;
      for (let i = 0; i < ARTICLES; i++) {
        const id = await editorial.save(
          editor,
          undefined,
          { title: `مقال ${i + 1}`, bodyHtml: '<p>نسخة رقم 0</p>', categoryId },
          'publish',
        );
        ids.push(id);
        paths.push(`/article/${encodeURIComponent((await editorial.article(id)).slug)}`);
      }
      // Varnish first, as in production: the nodes' purges find it from their first event on.
      const backendPort = await freePort();
      varnish = await startVarnish(backendPort);
      const env = { PURGE_VARNISH: varnish.base };
      nodes.push(await serveProcess(db.url, `${db.dir}/media`, { ...env, PORT: String(backendPort) }));
      nodes.push(await serveProcess(db.url, `${db.dir}/media`, env));
    });
    after(async () => {
      await varnish?.stop();
      for (const n of nodes) await stopProcess(n.child);
      await db.drop();
    });

    /** Warms every article page and the home page, and checks that Varnish now answers them itself. */
    async function warm(pages = paths): Promise<void> {
      for (const path of [...pages, '/'])
        for (let i = 0; i < 2; i++)
          await (await fetch(varnish.base + path, { headers: { 'accept-encoding': 'gzip' } })).text();
      const hits = await Promise.all(pages.map(async (p) => isHit(await fetch(varnish.base + p))));
      assert.ok(hits.every(Boolean), 'every warmed page is a hit');
    }

    /** Saves through node B's admin API (signed in first); resolves with the time the save was sent. */
    async function editThroughNodeB(id: number, fields: { title: string; body: string }): Promise<number> {
      const b = await signIn({ base: nodes[1]!.base } as TestSite, 'v@safir.test', PASSWORD);
      const current = (await editorial.article(id)).updated_at;
      const sent = Date.now();
      const res = await b.request(
        'PUT',
        `/api/v1/admin/articles/${id}`,
        { ...fields, category: categoryId, tags: [], updated_at: current, action: 'save' },
        { 'content-type': 'application/json', 'x-csrf-token': b.csrf },
      );
      assert.equal(res.status, 200, res.text);
      return sent;
    }

    test('an edit on the node that is not the backend shows through Varnish within 2 s; the other pages stay hits', async (t) => {
      await warm();
      const started = await editThroughNodeB(ids[0]!, { title: 'مقال 1', body: '<p>نسخة رقم 1</p>' });
      let seenAfter = -1;
      while (Date.now() - started < 5000) {
        if (versionOf(await (await fetch(varnish.base + paths[0]!)).text()) === 'نسخة رقم 1') {
          seenAfter = Date.now() - started;
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      t.diagnostic(`Varnish served the edit ${seenAfter} ms after the save was sent`);
      assert.ok(seenAfter >= 0 && seenAfter <= 2000, `Varnish served the edit after ${seenAfter} ms`);
      const others = await Promise.all(paths.slice(1).map(async (p) => isHit(await fetch(varnish.base + p))));
      const share = others.filter(Boolean).length / others.length;
      assert.ok(share >= 0.9, `${Math.round(share * 100)} % of the other warmed pages are still hits`);
      // A body edit does not change what the home page shows of the article: it stays cached too.
      assert.ok(isHit(await fetch(varnish.base + '/')), 'the home page is still a hit');
    });

    test('a title edit reaches the lists that show it; a page taken down is gone from Varnish at once', async () => {
      await warm();
      // The newest article: the home page shows it.
      await editThroughNodeB(ids.at(-1)!, { title: 'عنوان جديد للمقال', body: '<p>نسخة رقم 0</p>' });
      const home = async () => (await (await fetch(varnish.base + '/')).text()).includes('عنوان جديد للمقال');
      const deadline = Date.now() + 2000;
      while (!(await home()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      assert.ok(await home(), 'the home page shows the new title within 2 s');

      // Unpublished on node B's side of the database: a hard purge, so no reader gets the old page again.
      await editorial.save(
        editor,
        ids[2]!,
        { title: 'مقال 3', bodyHtml: '<p>نسخة رقم 0</p>', categoryId },
        'unpublish',
      );
      const gone = Date.now() + 2000;
      let status = 200;
      while (Date.now() < gone && (status = (await fetch(varnish.base + paths[2]!)).status) === 200)
        await new Promise((r) => setTimeout(r, 25));
      assert.equal(status, 404, 'the unpublished article is no longer served by Varnish');
    });

    test('responses name their keys for Varnish, which keeps them from readers; the newsroom is never cached', async () => {
      // Earlier edits changed lists this page shows: it may be re-rendering, and its stale copy is kept 1 s only.
      let direct = await fetch(nodes[0]!.base + paths[10]!);
      for (let i = 0; i < 100 && /s-maxage=1,/.test(direct.headers.get('cache-control') ?? ''); i++) {
        await new Promise((r) => setTimeout(r, 20));
        direct = await fetch(nodes[0]!.base + paths[10]!);
      }
      const cc = direct.headers.get('cache-control') ?? '';
      assert.match(cc, /^public, max-age=0, s-maxage=86400, stale-while-revalidate=\d+, stale-if-error=\d+$/);
      assert.match(direct.headers.get('xkey') ?? '', new RegExp(`(^| )article:${ids[10]}( |$)`));
      assert.equal(direct.headers.get('surrogate-key'), direct.headers.get('xkey'));
      const through = await fetch(varnish.base + paths[10]!);
      assert.equal(through.headers.get('xkey'), null);
      assert.equal(through.headers.get('surrogate-key'), null);
      for (let i = 0; i < 2; i++) {
        const admin = await fetch(varnish.base + '/admin/sign-in');
        assert.equal(admin.headers.get('cache-control'), 'private, no-store');
        assert.equal(isHit(admin), false, 'an admin page is never answered from Varnish');
      }
    });

    test('BAN mode (a Varnish without xkey) drops exactly the named keys', async () => {
      await warm(paths.slice(4, 6));
      // The object each page is served from (X-Varnish's second id): a ban must retire the first page's.
      const objectOf = async (path: string) =>
        (await fetch(varnish.base + path)).headers.get('x-varnish')!.split(' ')[1];
      const [before4, before5] = [await objectOf(paths[4]!), await objectOf(paths[5]!)];
      await new VarnishPurger(varnish.base, 'ban').purge([`article:${ids[4]}`], []);
      assert.notEqual(await objectOf(paths[4]!), before4, 'the banned page is no longer served from its old copy');
      assert.ok(isHit(await fetch(varnish.base + paths[5]!)), 'another page is still a hit');
      // Tracking parameters make no copy of their own: the same object answers.
      assert.ok(isHit(await fetch(`${varnish.base}${paths[5]!}?utm_source=news&fbclid=x`)), 'tracking tags ignored');
      assert.ok(before5, 'it was cached before');
    });
  });
}

test('the VCL passes every newsroom route to Safir: each non-public route matches its pass rule', async () => {
  const vcl = readFileSync('deploy/varnish/safir.vcl', 'utf8');
  const rule = /if \(req\.url ~ "([^"]+)"\) \{\s*return \(pass\);/.exec(vcl)?.[1];
  assert.ok(rule, 'safir.vcl has a pass rule for the newsroom');
  const pass = new RegExp(rule.replace(/\\\\/g, '\\'));
  const { startSite } = await import('../helpers/server.js');
  const site = await startSite('sqlite', { seed: false });
  try {
    const newsroom = site.services.routes.filter((r) => r.access !== 'public' && r.method !== 'HEAD');
    assert.ok(newsroom.length > 20);
    for (const r of newsroom) assert.ok(pass.test(r.url), `${r.method} ${r.url} is passed by Varnish`);
  } finally {
    await site.close();
  }
});
