import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { scheduledBackups } from '../../src/jobs/scheduled-backups.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { startSite, type TestSite } from '../helpers/server.js';

for (const dialect of DIALECTS) {
  describe(`backups on a schedule, with retention (${dialect})`, () => {
    const sites: TestSite[] = [];
    const dbs: TestDatabase[] = [];
    after(async () => {
      for (const s of sites) await s.close();
      for (const d of dbs) await d.drop();
    });

    test('backups are taken on time in the background, the newest KEEP stay, and they restore', async () => {
      const probe = await createTestDatabase(dialect, { migrate: false });
      dbs.push(probe);
      const dir = join(probe.dir, 'backups');
      mkdirSync(dir);
      // A folder of someone else's in BACKUP_DIR: never touched.
      mkdirSync(join(dir, 'keep-me'));
      const site = await startSite(dialect, {
        app: { backups: { dir, everyMs: 1000, keep: 2 }, schedulerMs: 500 },
      });
      sites.push(site);
      const complete = () =>
        readdirSync(dir)
          .filter((n) => n.startsWith('safir-'))
          .filter((n) => existsSync(join(dir, n, 'manifest.json')));
      const seen = new Set<string>();
      const deadline = Date.now() + 90_000;
      while (seen.size < 3 && Date.now() < deadline) {
        for (const n of complete()) seen.add(n);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(seen.size >= 3, `${seen.size} backups taken`);
      // The site answers while backups run (that a backup's turn returns at once is the next test).
      assert.equal((await fetch(site.base + '/')).status, 200);
      const kept = complete();
      assert.ok(kept.length <= 3 && kept.length >= 2, `kept ${kept.join(', ')}`);
      assert.ok(existsSync(join(dir, 'keep-me')), 'other folders left alone');
      const oldest = [...seen].sort()[0]!;
      assert.ok(!kept.includes(oldest), 'the oldest went');

      const target = await createTestDatabase(dialect, { migrate: false });
      dbs.push(target);
      const restored = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'restore', join(dir, kept.sort().at(-1)!)],
        { env: { ...process.env, DATABASE_URL: target.url, MEDIA_DIR: join(target.dir, 'media') }, encoding: 'utf8' },
      );
      assert.equal(restored.status, 0, restored.stderr);
    });

    test("a backup's turn returns at once: the backup runs in its own process, the other site jobs are not held", async () => {
      const dir = join(dbs[0]!.dir, 'backups-direct');
      mkdirSync(dir);
      const db = sites[0]!.db;
      const job = scheduledBackups(
        { dir, everyMs: 3600_000, keep: 2 },
        { databaseUrl: db.url, mediaDir: join(db.dir, 'media') },
        { info: () => {}, error: () => {} },
      );
      const started = performance.now();
      await job.run();
      const ms = performance.now() - started;
      assert.ok(ms < 1000, `the turn took ${ms.toFixed(0)} ms`);
      const complete = () => readdirSync(dir).filter((n) => existsSync(join(dir, n, 'manifest.json')));
      assert.deepEqual(complete(), [], 'the backup was still running when the turn returned');
      for (let i = 0; i < 300 && !complete().length; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(complete().length, 1, 'it finished in the background');
      await job.run();
      assert.equal(readdirSync(dir).length, 1, 'within the period, no second backup');
    });
  });
}
