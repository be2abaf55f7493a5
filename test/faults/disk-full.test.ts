import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createStaff, PASSWORD, signIn } from '../helpers/admin.js';
import { DIALECTS } from '../helpers/databases.js';
import { startSite, type TestSite } from '../helpers/server.js';

/**
 * A small filesystem of its own (tmpfs), so that filling it up harms nothing else. The suite runs as root on
 * CI and on the project's machines (it installs Debian packages); a machine that cannot mount says so plainly.
 */
function mountSmallDisk(megabytes: number): { path: string; unmount(): void } {
  const path = mkdtempSync(join(tmpdir(), 'safir-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', path], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`the disk-full tests mount a ${megabytes} MB tmpfs and need root: ${(err as Error).message}`);
  }
  return {
    path,
    unmount() {
      execFileSync('umount', ['-l', path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Fills the filesystem at `path` up to `leave` bytes free; returns the filler's path to free it again. */
function fill(path: string, leave: number): string {
  const { bavail, bsize } = statfsSync(path);
  const filler = join(path, 'filler.bin');
  writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - leave)));
  return filler;
}

async function noisyJpeg(width: number, height: number): Promise<Buffer> {
  const noise = Buffer.alloc(width * height * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  return sharp(noise, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

for (const dialect of DIALECTS) {
  describe(`a full disk (${dialect}): writes are refused with a 507 and a message, nothing half-written`, () => {
    let disk: ReturnType<typeof mountSmallDisk>;
    let site: TestSite;
    before(async () => {
      disk = mountSmallDisk(24);
      // The site's folder (its media, and on SQLite its database file) is on the small disk.
      site = await startSite(dialect, { under: disk.path });
      await createStaff(site);
    });
    after(async () => {
      await site?.close();
      disk?.unmount();
    });

    test('an upload and (on SQLite) an article save meet a full disk; reading goes on; freed, both work', async () => {
      const editor = await signIn(site, 'editor@safir.test', PASSWORD);
      const jpeg = await noisyJpeg(1600, 1000);
      const upload = () => {
        const form = new FormData();
        form.append('_csrf', editor.csrf);
        form.append('alt', 'صورة');
        form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'photo.jpg');
        return fetch(`${site.base}/api/v1/admin/media`, {
          method: 'POST',
          headers: { cookie: editor.cookie, 'x-csrf-token': editor.csrf },
          body: form,
        });
      };
      const save = (title: string) =>
        editor.request(
          'POST',
          '/api/v1/admin/articles',
          { title, body: `<p>${'نص طويل '.repeat(4000)}</p>`, category: 1, action: 'publish' },
          { 'content-type': 'application/json', 'x-csrf-token': editor.csrf },
        );
      const mediaDir = join(site.db.dir, 'media');
      const mediaBefore = readdirSync(mediaDir, { recursive: true }).length;
      const rowsBefore = await site.db.db.selectFrom('media').select('id').execute();
      const articlesBefore = await site.db.db.selectFrom('articles').select('id').execute();

      const filler = fill(disk.path, 64 * 1024);
      try {
        const res = await upload();
        const body = (await res.json()) as { errors: { code: string; message_ar: string; message_en: string }[] };
        assert.equal(res.status, 507);
        assert.equal(body.errors[0]!.code, 'STORAGE_FULL');
        assert.match(body.errors[0]!.message_ar, /مساحة التخزين على الخادم ممتلئة، فلم يُحفظ شيء/);
        assert.match(body.errors[0]!.message_en, /storage is full/);
        assert.equal(readdirSync(mediaDir, { recursive: true }).length, mediaBefore, 'no file, whole or half, left');
        assert.equal((await site.db.db.selectFrom('media').select('id').execute()).length, rowsBefore.length);

        if (dialect === 'sqlite') {
          // The database file itself cannot grow: the article is refused whole.
          const saved = await save('مقال على قرص ممتلئ');
          assert.equal(saved.status, 507, saved.text.slice(0, 300));
          assert.equal((JSON.parse(saved.text) as { errors: { code: string }[] }).errors[0]!.code, 'STORAGE_FULL');
          assert.equal((await site.db.db.selectFrom('articles').select('id').execute()).length, articlesBefore.length);
        }
        // Readers are not affected.
        assert.equal((await fetch(site.base + '/')).status, 200);
      } finally {
        rmSync(filler);
      }
      const retried = await upload();
      assert.equal(retried.status, 201, await retried.text());
      assert.equal((await save('مقال بعد إفراغ القرص')).status, 201);
    });
  });
}
