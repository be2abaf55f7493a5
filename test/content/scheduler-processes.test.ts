import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { editorOn } from '../helpers/newsroom.js';

/** Two real `safir serve` processes on one database: each due article is published by exactly one of them. */
for (const dialect of DIALECTS) {
  describe(`scheduled publishing with two app processes on ${dialect}`, () => {
    let db: TestDatabase;
    const children: ChildProcess[] = [];
    before(async () => {
      db = await createTestDatabase(dialect);
    });
    after(async () => {
      for (const c of children) c.kill('SIGKILL');
      await db.drop();
    });

    test('every due article is published once, by one process', async () => {
      const { actor, editorial, categoryId } = await editorOn(db.db, 'e@safir.test');
      const due = new Date(Date.now() + 4000).toISOString();
      const ids: number[] = [];
      for (let i = 0; i < 12; i++) {
        ids.push(
          await editorial.save(
            actor,
            undefined,
            { title: `خبر مجدول ${i}`, bodyHtml: '<p>نص</p>', categoryId },
            'schedule',
            {
              publishAt: due,
            },
          ),
        );
      }
      const logs: string[] = ['', ''];
      for (const n of [0, 1]) {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
          env: {
            ...process.env,
            DATABASE_URL: db.url,
            PORT: '0',
            SAFIR_DEMO: '0',
            SAFIR_WORKERS: '1',
            SCHEDULER_SECONDS: '1',
            MEDIA_DIR: `${db.dir}/media-${n}`,
            LOG_LEVEL: 'info',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout!.on('data', (d) => (logs[n] += d));
        child.stderr!.on('data', (d) => (logs[n] += d));
        children.push(child);
      }
      const deadline = Date.now() + 30_000;
      let published = 0;
      while (Date.now() < deadline && published < ids.length) {
        await new Promise((r) => setTimeout(r, 250));
        const rows = await db.db.selectFrom('articles').select('id').where('status', '=', 'published').execute();
        published = rows.length;
      }
      assert.equal(published, ids.length, `all published (logs: ${logs.join('\n').slice(-2000)})`);
      assert.ok(Date.now() >= Date.parse(due), 'not before their time');
      await new Promise((r) => setTimeout(r, 1500)); // a further tick of each must change nothing
      for (const c of children) c.kill('SIGTERM');

      const byProcess = logs.map((log) =>
        log
          .split('\n')
          .filter((l) => l.includes('published scheduled articles'))
          .flatMap((l) => (JSON.parse(l) as { ids: number[] }).ids),
      );
      const all = [...byProcess[0]!, ...byProcess[1]!].sort((a, b) => a - b);
      assert.deepEqual(
        all,
        [...ids].sort((a, b) => a - b),
        `each article once across both processes: ${JSON.stringify(byProcess)}`,
      );
      for (const id of ids) {
        const notes = (await editorial.revisions(id)).filter((r) => r.note === 'scheduled-publish');
        assert.equal(notes.length, 1, `article ${id}`);
      }
    });
  });
}
