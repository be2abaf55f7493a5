import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { actorOf } from '../../src/accounts/roles.js';
import { AccountService } from '../../src/accounts/service.js';
import { serverSecret } from '../../src/accounts/secret.js';
import { Editorial } from '../../src/content/editorial.js';
import { ensureCategory } from '../../src/content/service.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { serveProcess, stopProcess } from '../helpers/processes.js';

/**
 * Several nodes on one database, each with its own page cache, and processes that die at the worst moment:
 * an invalidation travels with the write that causes it (same transaction), so none is ever lost.
 */

const bodyOf = (html: string) => /<p>(نسخة رقم \d+)<\/p>/.exec(html)?.[1];

/** Asks `base + path` until the page shows `wanted` or `ms` pass; returns how long it took (or -1). */
async function visibleWithin(base: string, path: string, wanted: string, ms: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    const res = await fetch(base + path, { headers: { 'accept-encoding': 'gzip' } });
    if (bodyOf(await res.text()) === wanted) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  return -1;
}

for (const dialect of DIALECTS) {
  describe(`two nodes on one ${dialect} database, and processes killed mid-write`, () => {
    let db: TestDatabase;
    const nodes: { child: ChildProcess; base: string }[] = [];
    let editorial: Editorial;
    let editor: ReturnType<typeof actorOf>;
    let categoryId: number;
    let id: number;
    let path: string;
    const save = (n: number) =>
      editorial.save(editor, id, { title: 'مقال النسخ', bodyHtml: `<p>نسخة رقم ${n}</p>`, categoryId }, 'save');

    before(async () => {
      db = await createTestDatabase(dialect);
      const accounts = new AccountService(db.db, await serverSecret(db.db));
      editor = actorOf(
        await accounts.createUser({ email: 'n@safir.test', name: 'محرر', role: 'editor', password: 'a long password' }),
      );
      editorial = new Editorial(db.db);
      categoryId = await ensureCategory(db.db, { name: 'سياسة' });
      id = await editorial.save(
        editor,
        undefined,
        { title: 'مقال النسخ', bodyHtml: '<p>نسخة رقم 0</p>', categoryId },
        'publish',
      );
      path = `/article/${encodeURIComponent((await editorial.article(id)).slug)}`;
      for (let i = 0; i < 2; i++) nodes.push(await serveProcess(db.url, `${db.dir}/media`));
    });
    after(async () => {
      for (const n of nodes) await stopProcess(n.child, 'SIGTERM');
      await db.drop();
    });

    test('an edit made through one node is visible on the other within 2 s, and on the node itself', async () => {
      const [a, b] = nodes;
      for (const n of [a!, b!]) {
        assert.equal(bodyOf(await (await fetch(n.base + path)).text()), 'نسخة رقم 0');
        assert.equal((await fetch(n.base + path)).headers.get('etag') !== null, true);
      }
      // The edit arrives through node B's admin API, as an editor's browser would send it.
      const accounts = new AccountService(db.db, await serverSecret(db.db));
      const { token, session } = await accounts.createSession(editor.id, 'test');
      const current = (await editorial.article(id)).updated_at;
      const res = await fetch(`${b!.base}/api/v1/admin/articles/${id}`, {
        method: 'PUT',
        headers: {
          cookie: `safir_session=${token}`,
          'x-csrf-token': session.csrf_token,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          title: 'مقال النسخ',
          body: '<p>نسخة رقم 1</p>',
          category: categoryId,
          tags: [],
          updated_at: current,
          action: 'save',
        }),
      });
      assert.equal(res.status, 200, await res.text());
      const onA = await visibleWithin(a!.base, path, 'نسخة رقم 1', 2000);
      const onB = await visibleWithin(b!.base, path, 'نسخة رقم 1', 2000);
      assert.ok(onA >= 0, 'node A shows the edit within 2 s');
      assert.ok(onB >= 0, 'node B shows the edit within 2 s');
    });

    test('a writer killed in the middle of its saves leaves no committed edit unseen by any node', async () => {
      // Another process saves new versions as fast as it can and is killed without warning mid-stream.
      const script = `
        import { openDatabase } from './src/db/database.ts';
        import { Editorial } from './src/content/editorial.ts';
        const d = openDatabase(process.env.URL);
        const e = new Editorial(d.db);
        const editor = { id: ${editor.id}, role: 'editor', authorId: ${editor.authorId} };
        for (let n = 100; ; n++) {
          await e.save(editor, ${id}, { title: 'مقال النسخ', bodyHtml: '<p>نسخة رقم ' + n + '</p>', categoryId: ${categoryId} }, 'save');
          if (n === 101) console.log('saving');
        }`;
      const writer = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, URL: db.url },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        writer.stdout!.on('data', () => resolve());
        writer.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
      });
      // Pages are read (and cached) on both nodes while the writer runs, so each has something to invalidate.
      const until = Date.now() + 400;
      while (Date.now() < until) for (const n of nodes) await (await fetch(n.base + path)).text();
      await stopProcess(writer, 'SIGKILL');
      const committed = /<p>(نسخة رقم \d+)<\/p>/.exec((await editorial.article(id)).body_html)?.[1];
      assert.ok(committed && committed !== 'نسخة رقم 1', `the writer committed saves: ${committed}`);
      for (const n of nodes) {
        const ms = await visibleWithin(n.base, path, committed, 2000);
        assert.ok(ms >= 0, `${n.base} shows the last committed save (${committed}) within 2 s`);
      }
    });

    test('a node killed without warning and started again serves no page older than the last edit', async () => {
      const [a] = nodes.splice(0, 1);
      await (await fetch(a!.base + path)).text();
      await stopProcess(a!.child, 'SIGKILL');
      await save(500); // written while the node is down: its invalidation waits in the outbox
      const restarted = await serveProcess(db.url, `${db.dir}/media`);
      nodes.push(restarted);
      assert.equal(bodyOf(await (await fetch(restarted.base + path)).text()), 'نسخة رقم 500');
      // And it follows the outbox from where the database is, not from where the dead process was.
      await (await fetch(restarted.base + path)).text();
      await save(501);
      assert.ok(
        (await visibleWithin(restarted.base, path, 'نسخة رقم 501', 2000)) >= 0,
        'the restarted node hears edits',
      );
      assert.ok((await visibleWithin(nodes[0]!.base, path, 'نسخة رقم 501', 2000)) >= 0, 'so does the other');
    });
  });
}
