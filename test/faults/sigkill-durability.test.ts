import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { seedDemoContent } from '../../src/content/demo/seed.js';
import { openDatabase } from '../../src/db/database.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { postForm as post, serveProcess } from '../helpers/processes.js';

for (const dialect of DIALECTS) {
  describe(`comments survive a SIGKILL on ${dialect}`, () => {
    let db: TestDatabase | undefined;
    const children: ChildProcess[] = [];
    after(async () => {
      for (const c of children) c.kill('SIGKILL');
      await db?.drop();
    });

    test('every comment answered with success is there after a restart', async () => {
      db = await createTestDatabase(dialect);
      await seedDemoContent(db, `${db.dir}/media`);
      const { child, base } = await serveProcess(db.url, `${db.dir}/media`);
      children.push(child);
      const html = await (await fetch(base + '/')).text();
      const path = /href="(\/article\/[^"]+)"/.exec(html)![1]!;
      const tokens: string[] = [];
      for (let i = 0; i < 80; i++)
        tokens.push(((await (await fetch(`${base}${path}/comments/token`)).json()) as { token: string }).token);
      await new Promise((r) => setTimeout(r, 3100));

      // Four writers in parallel, each comment from its own loopback address; the server is killed mid-stream.
      const acknowledged: number[] = [];
      let next = 0;
      let killed = false;
      const writer = async () => {
        while (!killed && next < tokens.length) {
          const i = next++;
          try {
            const res = await post(
              base,
              `${path}/comments`,
              { author: 'قارئ', email: `d${i}@example.com`, comment: `تعليق باقٍ ${i}`, token: tokens[i]! },
              `127.0.${10 + Math.floor(i / 200)}.${(i % 200) + 1}`,
            );
            if (res.status === 303)
              acknowledged.push(
                Number(/[?&]c=(\d+)/.exec(res.location ?? '')?.[1] ?? /#comment-(\d+)/.exec(res.location ?? '')?.[1]),
              );
          } catch {
            // The connection died with the server: this one was never acknowledged.
          }
        }
      };
      const writers = Promise.all([writer(), writer(), writer(), writer()]);
      while (acknowledged.length < 25) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      killed = true;
      await writers;
      await new Promise((r) => child.once('exit', r));

      // A new process on the same database: everything acknowledged is there.
      const again = await serveProcess(db.url, `${db.dir}/media`);
      children.push(again.child);
      assert.equal((await fetch(again.base + '/')).status, 200);
      const check = openDatabase(db.url);
      try {
        const rows = await check.db.selectFrom('comments').select('id').where('id', 'in', acknowledged).execute();
        assert.equal(rows.length, acknowledged.length, `${acknowledged.length} acknowledged, ${rows.length} found`);
      } finally {
        await check.close();
      }
      again.child.kill('SIGTERM');
    });
  });
}
