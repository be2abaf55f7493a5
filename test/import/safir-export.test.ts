import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serverSecret } from '../../src/accounts/secret.js';
import { seedDemoContent } from '../../src/content/demo/seed.js';
import { exportSite, ExportFormatError, importSite } from '../../src/import/safir-export.js';
import { importWordPress } from '../../src/import/wordpress.js';
import { AccountService } from '../../src/accounts/service.js';
import { ensureCategory } from '../../src/content/service.js';
import { storeImage } from '../../src/media/images.js';
import sharp from 'sharp';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

const FIXTURE = join(process.cwd(), 'test', 'fixtures', 'wordpress', 'export.xml');

for (const dialect of DIALECTS) {
  describe(`Safir export and restore on ${dialect}`, () => {
    let source: TestDatabase;
    let target: TestDatabase;
    before(async () => {
      source = await createTestDatabase(dialect);
      target = await createTestDatabase(dialect);
      await seedDemoContent(source, `${source.dir}/media`);
      // The newsroom has worked on the demo (an edit), so the import leaves it beside the imported content.
      await source.db
        .updateTable('articles')
        .set({ updated_at: new Date(Date.now() + 1000).toISOString() })
        .execute();
      const secret = await serverSecret(source.db);
      await importWordPress(source.db, FIXTURE, { media: `${source.dir}/media`, secret });
      const admin = await new AccountService(source.db, secret).createUser({
        email: 'admin@safir.test',
        name: 'مدير',
        role: 'administrator',
        password: 'admin password 1',
      });
      // References that point forward: an image uploaded by a user (media → users → authors → media), used as
      // that user's avatar; a section moved under a newer one;
      const image = await storeImage(
        source.db,
        `${source.dir}/media`,
        await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123456' } })
          .png()
          .toBuffer(),
        { name: 'a.png', alt: 'صورة', uploadedBy: admin.id },
      );
      await source.db
        .updateTable('authors')
        .set({ avatar_media_id: image.id })
        .where('id', '=', admin.author_id)
        .execute();
      const older = await ensureCategory(source.db, { name: 'قسم أقدم' });
      const newer = await ensureCategory(source.db, { name: 'قسم أحدث' });
      await source.db.updateTable('categories').set({ parent_id: newer }).where('id', '=', older).execute();
    });
    after(async () => {
      await source.drop();
      await target.drop();
    });

    test('export → restore into an empty database → export again gives the same JSON (but exported_at)', async () => {
      const first = join(source.dir, 'first.json');
      const counts = await exportSite(source.db, first);
      assert.ok(counts.articles >= 7 && counts.comments === 4 && counts.users === 1, JSON.stringify(counts));
      const text = readFileSync(first, 'utf8');
      assert.ok(!text.includes('scrypt$'), 'no password hashes unless asked');
      await importSite(target, first);
      const second = join(target.dir, 'second.json');
      await exportSite(target.db, second);
      const strip = (f: string) => {
        const data = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
        delete data.exported_at;
        // Restored accounts have no usable password until reset; the export leaves hashes out either way.
        return data;
      };
      assert.deepEqual(strip(second), strip(first));
      // Ids continue after the restored ones, and search works on the restored site.
      const next = await target.db
        .insertInto('tags')
        .values({ slug: 'جديد', name: 'جديد' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const max = (JSON.parse(text) as { tags: { id: number }[] }).tags.reduce((m, t) => Math.max(m, t.id), 0);
      assert.ok(next.id > max);
    });

    test('refusals: another format, another version, a site that is not empty', async () => {
      const other = join(target.dir, 'other.json');
      writeFileSync(other, JSON.stringify({ format: 'ghost', version: 5 }));
      await assert.rejects(
        importSite(target, other),
        (e: Error) => e instanceof ExportFormatError && /not a Safir export/.test(e.message),
      );
      const future = join(target.dir, 'future.json');
      writeFileSync(future, JSON.stringify({ format: 'safir-export', version: 2 }));
      await assert.rejects(
        importSite(target, future),
        (e: Error) => e instanceof ExportFormatError && /version 2/.test(e.message),
      );
      writeFileSync(join(target.dir, 'broken.json'), '{"format": "safir-export", ');
      await assert.rejects(importSite(target, join(target.dir, 'broken.json')), ExportFormatError);
      const again = join(source.dir, 'again.json');
      await exportSite(source.db, again);
      await assert.rejects(importSite(target, again), (e: Error) => /not empty/.test(e.message));
    });
  });
}
