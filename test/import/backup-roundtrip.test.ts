import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Dialect } from '../../src/db/dialect.js';
import { paths } from '../../src/content/urls.js';
import { createStaff, PASSWORD, signIn } from '../helpers/admin.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { serveProcess } from '../helpers/processes.js';
import { startSite, type TestSite } from '../helpers/server.js';

const cli = (url: string, media: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, DATABASE_URL: url, MEDIA_DIR: media },
    encoding: 'utf8',
  });

/** What differs between two servers of the same site: their address, and the per-installation form tokens. */
const normalise = (html: string, base: string) =>
  html
    .replaceAll(base, 'ORIGIN')
    .replaceAll(encodeURIComponent(base), 'ORIGIN')
    .replace(/name="token" value="[^"]*"/g, 'name="token"')
    .replace(/data-token="[^"]*"/g, '');

/** A site with everything a backup must carry: articles, revisions, comments, users, a redirect, images. */
async function richSite(dialect: Dialect): Promise<{ site: TestSite; renamed: { from: string; to: string } }> {
  const site = await startSite(dialect);
  await createStaff(site);
  const editor = await signIn(site, 'editor@safir.test', PASSWORD);
  const lead = (await site.services.content.lead())!;
  const article = await site.services.editorial.article(lead.id);
  // An edit that renames the slug: a revision, and a redirect from the old address.
  const res = await editor.request(
    'PUT',
    `/api/v1/admin/articles/${lead.id}`,
    {
      title: `${article.title} (محدّث)`,
      slug: 'مقال-بعنوان-جديد',
      body: `${article.body_html}<p>فقرة أضيفت بعد النشر.</p>`,
      category: String(article.category_id),
      excerpt: article.excerpt,
      featured_media: article.featured_media_id ? String(article.featured_media_id) : '',
      author: String(article.author_id),
      featured: article.featured ? '1' : '',
      breaking: article.breaking ? '1' : '',
      tags: ((await site.services.content.tagsOf([lead.id])).get(lead.id) ?? []).map((t) => t.name),
      action: 'publish',
      updated_at: article.updated_at,
    },
    { 'content-type': 'application/json', 'x-csrf-token': editor.csrf },
  );
  assert.equal(res.status, 200, res.text);
  const to = paths.article('مقال-بعنوان-جديد');
  for (const text of ['توضيح من التحرير', 'تعليق ثانٍ من التحرير']) {
    const c = await editor.request('POST', `${to}/comments`, { comment: text });
    assert.equal(c.status, 303, c.text);
  }
  return { site, renamed: { from: paths.article(lead.slug), to } };
}

/** Equal texts, or a failure that shows where they part (whole pages would drown the message). */
function sameText(actual: string, expected: string, label: string): void {
  if (actual === expected) return;
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  assert.fail(
    `${label} differs at ${i}:\n  restored: …${actual.slice(Math.max(0, i - 80), i + 120)}\n  original: …${expected.slice(Math.max(0, i - 80), i + 120)}`,
  );
}

const PAIRS: [Dialect, Dialect][] = [
  ['sqlite', 'postgres'],
  ['postgres', 'sqlite'],
];

for (const [from, to] of PAIRS) {
  describe(`backup on ${from}, restore on ${to}`, () => {
    const dbs: TestDatabase[] = [];
    const sites: TestSite[] = [];
    const children: ChildProcess[] = [];
    after(async () => {
      for (const c of children) c.kill('SIGKILL');
      for (const s of sites) await s.close();
      for (const d of dbs) await d.drop();
    });

    test('the restored site serves identical pages and images; a damaged backup or a full site is refused', async () => {
      const { site, renamed } = await richSite(from);
      sites.push(site);
      const backupDir = join(site.db.dir, 'backup');
      const taken = cli(site.db.url, join(site.db.dir, 'media'), 'backup', backupDir);
      assert.equal(taken.status, 0, taken.stderr);
      const manifest = JSON.parse(readFileSync(join(backupDir, 'manifest.json'), 'utf8')) as {
        engine: string;
        tables: Record<string, number>;
        files: Record<string, string>;
      };
      assert.equal(manifest.engine, from);
      for (const table of ['articles', 'article_revisions', 'comments', 'users', 'redirects', 'media'])
        assert.ok(manifest.tables[table]! > 0, `${table} in the backup`);
      const mediaFiles = Object.keys(manifest.files).filter((f) => f.startsWith('media/'));
      assert.ok(mediaFiles.length >= 4, 'image files and their renditions, with checksums');

      const target = await createTestDatabase(to, { migrate: false });
      dbs.push(target);
      const targetMedia = join(target.dir, 'media');

      // A file changed after the backup: refused before anything is written.
      const victim = join(backupDir, ...mediaFiles[0]!.split('/'));
      const original = readFileSync(victim);
      writeFileSync(victim, Buffer.concat([original, Buffer.from('x')]));
      const damaged = cli(target.url, targetMedia, 'restore', backupDir);
      assert.notEqual(damaged.status, 0);
      assert.match(damaged.stderr, /damaged, nothing was restored: media\/.+ \(changed\)/);
      writeFileSync(victim, original);
      // A file the manifest does not name (slipped into the folder afterwards): refused too.
      const stray = join(backupDir, 'media', '2026', 'stray.png');
      writeFileSync(stray, original);
      const unlisted = cli(target.url, targetMedia, 'restore', backupDir);
      assert.notEqual(unlisted.status, 0);
      assert.match(unlisted.stderr, /media\/2026\/stray\.png \(not in the manifest\)/);
      rmSync(stray);

      const restored = cli(target.url, targetMedia, 'restore', backupDir);
      assert.equal(restored.status, 0, restored.stderr);
      assert.match(restored.stdout, /Every file matched its checksum and every table its count/);
      // Once there is a site, a second restore is refused unless told to replace it.
      const again = cli(target.url, targetMedia, 'restore', backupDir);
      assert.notEqual(again.status, 0);
      assert.match(again.stderr, /not empty/);
      const forced = cli(target.url, targetMedia, 'restore', backupDir, '--force');
      assert.equal(forced.status, 0, forced.stderr);

      const source = await serveProcess(site.db.url, join(site.db.dir, 'media'));
      children.push(source.child);
      const copy = await serveProcess(target.url, targetMedia);
      children.push(copy.child);
      const home = await (await fetch(source.base + '/')).text();
      const pagePaths = new Set(['/', renamed.to, '/feed', '/sitemap.xml', '/search?q=' + encodeURIComponent('الصين')]);
      for (const m of home.matchAll(/href="(\/(?:article|category|tag|author)\/[^"]+)"/g)) pagePaths.add(m[1]!);
      const images = new Set<string>();
      for (const path of pagePaths) {
        const [a, b] = await Promise.all([fetch(source.base + path), fetch(copy.base + path)]);
        const [ta, tb] = await Promise.all([a.text(), b.text()]);
        assert.equal(b.status, a.status, path);
        sameText(normalise(tb, copy.base), normalise(ta, source.base), path);
        for (const m of ta.matchAll(/(?:src|srcset)="([^"]+)"/g))
          for (const part of m[1]!.split(',')) {
            const url = part.trim().split(' ')[0]!;
            if (url.startsWith('/media/')) images.add(url);
          }
      }
      assert.ok(pagePaths.size >= 8, `${pagePaths.size} pages compared`);
      assert.ok(images.size >= 3, `${images.size} images compared`);
      for (const image of images) {
        const [a, b] = await Promise.all([fetch(source.base + image), fetch(copy.base + image)]);
        assert.equal(b.status, 200, image);
        assert.deepEqual(Buffer.from(await b.arrayBuffer()), Buffer.from(await a.arrayBuffer()), image);
      }
      // The old address still leads to the renamed article.
      const moved = await fetch(copy.base + renamed.from, { redirect: 'manual' });
      assert.equal(moved.status, 301);
      assert.equal(moved.headers.get('location'), renamed.to);
      // Staff sign in on the restored site with their passwords (the backup keeps the hashes).
      const restoredEditor = await signIn({ base: copy.base } as TestSite, 'editor@safir.test', PASSWORD);
      const dashboard = await restoredEditor.request('GET', '/admin');
      assert.equal(dashboard.status, 200);
      assert.match(dashboard.text, /action="\/admin\/sign-out"/);
    });
  });
}
