import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { actorOf } from '../../src/accounts/roles.js';
import { AccountService } from '../../src/accounts/service.js';
import { serverSecret } from '../../src/accounts/secret.js';
import { Editorial } from '../../src/content/editorial.js';
import { ensureCategory } from '../../src/content/service.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

/** A GET on a connection of its own, so that the cluster hands it to the next worker in turn. */
function getNew(port: number, path: string): Promise<{ status: number; text: string; pid: string; cache: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          text,
          pid: String(res.headers['x-worker'] ?? ''),
          cache: String(res.headers['x-cache'] ?? ''),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

for (const dialect of DIALECTS) {
  describe(`safir serve --workers 2 (${dialect})`, () => {
    let db: TestDatabase;
    let child: ChildProcess;
    let port = 0;
    let log = '';
    before(async () => {
      db = await createTestDatabase(dialect);
      child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--workers', '2'], {
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          PORT: '0',
          SAFIR_DEMO: '1',
          SCHEDULER_SECONDS: '1',
          MEDIA_DIR: `${db.dir}/media`,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d) => (log += d));
      child.stderr!.on('data', (d) => (log += d));
      // Both workers say where they listen; with PORT=0 the cluster gives them one shared port.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (log.match(/Safir is serving/g) ?? []).length < 2)
        await new Promise((r) => setTimeout(r, 100));
      const ports = [...log.matchAll(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
      assert.equal(new Set(ports).size, 1, `one shared port: ${log.slice(-1000)}`);
      port = ports[0]!;
    });
    after(async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await db.drop();
    });

    test('every worker serves, and each sees an edit made elsewhere within 2 s', async () => {
      const home = await getNew(port, '/');
      assert.equal(home.status, 200);
      const accounts = new AccountService(db.db, await serverSecret(db.db));
      const user = await accounts.createUser({
        email: 'w@safir.test',
        name: 'محرر',
        role: 'editor',
        password: 'a long password',
      });
      const editorial = new Editorial(db.db);
      const categoryId = await ensureCategory(db.db, { name: 'سياسة' });
      const id = await editorial.save(
        actorOf(user),
        undefined,
        { title: 'قبل التعديل', excerpt: 'ثابت', bodyHtml: '<p>النص القديم</p>', categoryId },
        'publish',
      );
      const slug = (await editorial.article(id)).slug;
      const path = `/article/${encodeURIComponent(slug)}`;
      for (let i = 0; i < 10; i++) assert.equal((await getNew(port, path)).status, 200); // warm both workers' caches
      const pids = new Set<string>();
      for (let i = 0; i < 10; i++) pids.add((await getNew(port, path)).pid);
      assert.equal(pids.size, 2, `two workers answer: ${[...pids]}`);

      // The edit is written by another process (this test), as another node or the CLI would.
      const edited = Date.now();
      await editorial.save(
        actorOf(user),
        id,
        { title: 'قبل التعديل', excerpt: 'ثابت', bodyHtml: '<p>النص الجديد</p>', categoryId },
        'save',
      );
      const seen = new Map<string, number>();
      while (Date.now() - edited < 5000 && seen.size < 2) {
        const res = await getNew(port, path);
        if (res.text.includes('النص الجديد') && !seen.has(res.pid)) seen.set(res.pid, Date.now() - edited);
      }
      assert.equal(seen.size, 2, 'both workers show the edit');
      for (const [pid, ms] of seen) assert.ok(ms <= 2000, `worker ${pid} showed it after ${ms} ms`);
    });

    test('a page renders once per node: the worker that rendered it hands it to the other', async () => {
      const accounts = new AccountService(db.db, await serverSecret(db.db));
      const user = (await accounts.userByEmail('w@safir.test'))!;
      const editorial = new Editorial(db.db);
      const categoryId = await ensureCategory(db.db, { name: 'سياسة' });
      const id = await editorial.save(
        actorOf(user),
        undefined,
        { title: 'صفحة تُصنع مرة واحدة', bodyHtml: '<p>نص واحد للعاملين</p>', categoryId },
        'publish',
      );
      const path = `/article/${encodeURIComponent((await editorial.article(id)).slug)}`;
      const first = await getNew(port, path);
      assert.equal(first.cache, 'miss');
      // The fill travels to the other worker in the background; then every answer, from either, is a copy.
      const deadline = Date.now() + 2000;
      const answers: { pid: string; cache: string }[] = [];
      while (Date.now() < deadline) {
        answers.length = 0;
        for (let i = 0; i < 6; i++) answers.push(await getNew(port, path));
        if (answers.every((a) => a.cache === 'hit')) break;
      }
      assert.equal(new Set(answers.map((a) => a.pid)).size, 2, 'both workers answered');
      assert.deepEqual(
        answers.map((a) => a.cache),
        answers.map(() => 'hit'),
        'the other worker answered from the page it was handed, without rendering it',
      );
    });

    test('each scheduled article is published exactly once', async () => {
      const user = (await new AccountService(db.db, await serverSecret(db.db)).userByEmail('w@safir.test'))!;
      const editorial = new Editorial(db.db);
      const categoryId = await ensureCategory(db.db, { name: 'سياسة' });
      const due = new Date(Date.now() + 2500).toISOString();
      const ids: number[] = [];
      for (let i = 0; i < 8; i++)
        ids.push(
          await editorial.save(
            actorOf(user),
            undefined,
            { title: `مجدول ${i}`, bodyHtml: '<p>نص</p>', categoryId },
            'schedule',
            {
              publishAt: due,
            },
          ),
        );
      const deadline = Date.now() + 20_000;
      let published = 0;
      while (Date.now() < deadline && published < ids.length) {
        await new Promise((r) => setTimeout(r, 250));
        published = (
          await db.db
            .selectFrom('articles')
            .select('id')
            .where('id', 'in', ids)
            .where('status', '=', 'published')
            .execute()
        ).length;
      }
      assert.equal(published, ids.length);
      await new Promise((r) => setTimeout(r, 2500)); // more ticks in both workers change nothing
      for (const id of ids) {
        const notes = (await editorial.revisions(id)).filter((r) => r.note === 'scheduled-publish');
        assert.equal(notes.length, 1, `article ${id} published once`);
      }
    });
  });
}
