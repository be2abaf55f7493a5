import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { AccountService } from '../../src/accounts/service.js';
import { serverSecret } from '../../src/accounts/secret.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { PASSWORD, signIn } from '../helpers/admin.js';
import { serveProcess, stopProcess } from '../helpers/processes.js';
import type { TestSite } from '../helpers/server.js';
import { type RunningS3, startS3 } from '../helpers/s3.js';

/**
 * Media in S3-compatible storage shared by every node, against a real S3-protocol server on loopback (s3rver,
 * path-style): an image uploaded through one node is served by another; deleting it removes every object of
 * it; a backup holds the media, and a restore puts them into another bucket prefix that a new node serves.
 */

/** The CLI in its own process; asynchronous, since the S3 server it talks to runs in this one. */
const cli = (env: Record<string, string>, ...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { ...process.env, SAFIR_DEMO: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });

for (const dialect of DIALECTS) {
  describe(`media in S3 shared by two nodes (${dialect})`, () => {
    let db: TestDatabase;
    let s3: RunningS3;
    const prefix = `site-${dialect}`;
    const nodes: { child: ChildProcess; base: string }[] = [];
    let png: Buffer;

    before(async () => {
      s3 = await startS3();
      db = await createTestDatabase(dialect);
      const accounts = new AccountService(db.db, await serverSecret(db.db));
      await accounts.createUser({ email: 'm@safir.test', name: 'محرر', role: 'editor', password: PASSWORD });
      // A local MEDIA_DIR that must stay empty: everything goes to the bucket.
      for (let i = 0; i < 2; i++) nodes.push(await serveProcess(db.url, `${db.dir}/media`, s3.env(prefix)));
      png = await sharp({ create: { width: 1000, height: 600, channels: 3, background: '#2a6f97' } })
        .png()
        .toBuffer();
    });
    after(async () => {
      for (const n of nodes) await stopProcess(n.child);
      await s3?.stop();
      await db?.drop();
    });

    async function upload(base: string, name: string): Promise<{ id: number; url: string }> {
      const client = await signIn({ base } as TestSite, 'm@safir.test', PASSWORD);
      const form = new FormData();
      form.append('alt', 'صورة للاختبار');
      form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), name);
      const res = await client.request('POST', '/api/v1/admin/media', form, { 'x-csrf-token': client.csrf });
      assert.equal(res.status, 201, res.text);
      return (JSON.parse(res.text) as { media: { id: number; url: string } }).media;
    }

    test('an image uploaded on node A is served by node B, with its renditions; nothing is written locally', async () => {
      const [a, b] = nodes;
      const image = await upload(a!.base, 'cover.png');
      const keys = await s3.keys(prefix);
      const stem = image.url.replace(/^\/media\//, '').replace(/\.png$/, '');
      const mine = keys.filter((k) => k.startsWith(`${prefix}/${stem}`));
      assert.equal(mine.length, 3, `the original and two WebP renditions: ${mine.join(', ')}`);
      const fromB = await fetch(b!.base + image.url);
      assert.equal(fromB.status, 200);
      assert.equal(fromB.headers.get('content-type'), 'image/png');
      assert.equal(fromB.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      const bytes = Buffer.from(await fromB.arrayBuffer());
      assert.deepEqual((await sharp(bytes).metadata()).width, 1000);
      const rendition = await fetch(`${b!.base}/media/${stem}-480.webp`);
      assert.equal(rendition.status, 200);
      assert.equal(rendition.headers.get('content-type'), 'image/webp');
      assert.equal((await fetch(`${b!.base}/media/${stem}-9999.webp`)).status, 404);
      assert.ok(!existsSync(join(db.dir, 'media')) || readdirSync(join(db.dir, 'media')).length === 0);
    });

    test('deleting the image on node B removes every object of it from the bucket', async () => {
      const [a, b] = nodes;
      const image = await upload(a!.base, 'to-delete.png');
      const stem = image.url.replace(/^\/media\//, '').replace(/\.png$/, '');
      assert.equal((await s3.keys(prefix)).filter((k) => k.startsWith(`${prefix}/${stem}`)).length, 3);
      const client = await signIn({ base: b!.base } as TestSite, 'm@safir.test', PASSWORD);
      const res = await client.request('DELETE', `/api/v1/admin/media/${image.id}`, undefined, {
        'x-csrf-token': client.csrf,
      });
      assert.equal(res.status, 204, res.text);
      assert.deepEqual(
        (await s3.keys(prefix)).filter((k) => k.startsWith(`${prefix}/${stem}`)),
        [],
        'no object of the image is left',
      );
      assert.equal((await fetch(a!.base + image.url)).status, 404);
    });

    test('a backup holds the media from the bucket; a restore puts them into another prefix that a new node serves', async () => {
      const image = await upload(nodes[0]!.base, 'kept.png');
      const dir = join(db.dir, 'backup');
      const backup = await cli({ DATABASE_URL: db.url, ...s3.env(prefix) }, 'backup', dir);
      assert.equal(backup.status, 0, backup.stderr);
      const path = image.url.replace(/^\/media\//, '');
      assert.ok(existsSync(join(dir, 'media', ...path.split('/'))), 'the original is in the backup');

      // Restore: the database and the media (into a new prefix) as the backup says.
      const restoredPrefix = `${prefix}-restored`;
      const fresh = await createTestDatabase(dialect, { migrate: false });
      const restoredUrl = fresh.url;
      try {
        const restored = await cli({ DATABASE_URL: restoredUrl, ...s3.env(restoredPrefix) }, 'restore', dir);
        assert.equal(restored.status, 0, restored.stderr);
        assert.equal((await s3.keys(restoredPrefix)).length, (await s3.keys(prefix)).length);
        const again = await cli(
          { DATABASE_URL: restoredUrl, ...s3.env(restoredPrefix) },
          'media',
          'restore',
          join(dir, 'media'),
        );
        assert.match(again.stdout, /Put 0 files/, 'a second restore changes nothing');
        const node = await serveProcess(restoredUrl, join(dir, 'unused-media'), s3.env(restoredPrefix));
        try {
          const served = await fetch(node.base + image.url);
          assert.equal(served.status, 200);
          assert.equal((await sharp(Buffer.from(await served.arrayBuffer())).metadata()).width, 1000);
        } finally {
          await stopProcess(node.child);
        }
      } finally {
        await fresh?.drop();
      }
    });
  });
}
