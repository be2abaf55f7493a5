import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { seedDemoContent } from '../../src/content/demo/seed.js';
import { openDatabase } from '../../src/db/database.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { postForm as post, serveProcess as serve } from '../helpers/processes.js';

/** Runs the CLI without blocking this process, so the writers keep writing meanwhile. */
const cliAsync = (url: string, media: string, ...args: string[]) =>
  new Promise<{ status: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { ...process.env, DATABASE_URL: url, MEDIA_DIR: media },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stderr }));
  });

const cli = (url: string, media: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, DATABASE_URL: url, MEDIA_DIR: media },
    encoding: 'utf8',
  });

for (const dialect of DIALECTS) {
  describe(`backup while comments are written, on ${dialect}`, () => {
    const dbs: TestDatabase[] = [];
    const children: ChildProcess[] = [];
    after(async () => {
      for (const c of children) c.kill('SIGKILL');
      for (const d of dbs) await d.drop();
    });

    test('the backup restores to a working site with every comment acknowledged before it began', async () => {
      const db = await createTestDatabase(dialect);
      dbs.push(db);
      const media = `${db.dir}/media`;
      await seedDemoContent(db, media);
      const { child, base } = await serve(db.url, media);
      children.push(child);
      const html = await (await fetch(base + '/')).text();
      const path = /href="(\/article\/[^"]+)"/.exec(html)![1]!;
      const tokens: string[] = [];
      for (let i = 0; i < 90; i++)
        tokens.push(((await (await fetch(`${base}${path}/comments/token`)).json()) as { token: string }).token);
      await new Promise((r) => setTimeout(r, 3100));

      const acknowledged: { id: number; at: number }[] = [];
      let next = 0;
      let stop = false;
      const writer = async () => {
        while (!stop && next < tokens.length) {
          const i = next++;
          const res = await post(
            base,
            `${path}/comments`,
            { author: 'قارئ', email: `b${i}@example.com`, comment: `أثناء النسخ ${i}`, token: tokens[i]! },
            `127.0.${40 + Math.floor(i / 200)}.${(i % 200) + 1}`,
          );
          if (res.status === 303)
            acknowledged.push({ id: Number(/[?&]c=(\d+)/.exec(res.location!)![1]), at: Date.now() });
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const writers = Promise.all([writer(), writer()]);
      while (acknowledged.length < 15) await new Promise((r) => setTimeout(r, 5));
      const backupDir = join(db.dir, 'backup');
      const began = Date.now();
      const beforeBackup = acknowledged.filter((a) => a.at < began).map((a) => a.id);
      const result = await cliAsync(db.url, media, 'backup', backupDir);
      assert.equal(result.status, 0, result.stderr);
      stop = true;
      await writers;
      assert.ok(acknowledged.length > beforeBackup.length, 'writes went on during the backup');
      assert.ok(existsSync(join(backupDir, 'media')), 'media copied');

      // Restore into a fresh database and start a site on it.
      const fresh = await createTestDatabase(dialect, { migrate: false });
      dbs.push(fresh);
      const restoredUrl = fresh.url;
      const restoredMedia = join(fresh.dir, 'media');
      const restore = cli(restoredUrl, restoredMedia, 'restore', backupDir);
      assert.equal(restore.status, 0, restore.stderr);
      const check = openDatabase(restoredUrl);
      try {
        const rows = await check.db.selectFrom('comments').select('id').where('id', 'in', beforeBackup).execute();
        assert.equal(
          rows.length,
          beforeBackup.length,
          `${beforeBackup.length} acknowledged before the backup, ${rows.length} restored`,
        );
      } finally {
        await check.close();
      }
      const restored = await serve(restoredUrl, restoredMedia);
      children.push(restored.child);
      const home = await fetch(restored.base + '/');
      assert.equal(home.status, 200);
      const page = await (await fetch(restored.base + path)).text();
      assert.match(page, /<h1/);
      const cover = /<img[^>]+src="(\/media\/[^"]+)"/.exec(page);
      if (cover) assert.equal((await fetch(restored.base + cover[1])).status, 200, 'images restored');
    });
  });
}
