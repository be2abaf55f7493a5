/**
 * Memory and time of a WordPress import on a large export: a ~200 MB WXR is
 * generated (the repository's fixture's posts repeated with new ids and varied
 * text), imported by a separate process into a fresh SQLite database, and its
 * peak resident memory is printed next to the time. Streaming means the peak
 * stays far below the file's size.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';

const FIXTURE = join(import.meta.dirname, '..', 'test', 'fixtures', 'wordpress', 'export.xml');

export async function writeLargeWxr(target: string, bytes: number): Promise<number> {
  const xml = readFileSync(FIXTURE, 'utf8');
  const head = xml.slice(0, xml.indexOf('<item>'));
  const post = /<item>\s*<title><!\[CDATA\[قمة المناخ[\s\S]*?<\/item>/.exec(xml)![0];
  const paragraph =
    '<p>افتتحت في الرياض اليوم قمة المناخ بمشاركة وفود من أربعين دولة، وناقشت تمويل الطاقة النظيفة.</p>\n'.repeat(20);
  const out = createWriteStream(target);
  out.write(head);
  let written = head.length;
  let n = 0;
  while (written < bytes) {
    const id = 100_000 + n;
    const item = post
      .replace(/<wp:post_id>11<\/wp:post_id>/, `<wp:post_id>${id}</wp:post_id>`)
      .replace(/قمة المناخ في الرياض تبحث تمويل الطاقة النظيفة/, `قمة المناخ ${n}`)
      .replace(
        /<wp:post_name><!\[CDATA\[[^\]]*\]\]><\/wp:post_name>/,
        `<wp:post_name><![CDATA[summit-${n}]]></wp:post_name>`,
      )
      .replace(/\/2024\/03\/12\/[^<]+<\/link>/, `/2024/03/12/summit-${n}/</link>`)
      .replace(
        /<wp:comment_id>(\d+)<\/wp:comment_id>/g,
        (_, c: string) => `<wp:comment_id>${Number(c) * 1_000_000 + n}</wp:comment_id>`,
      )
      .replace(
        /<wp:comment_parent>101<\/wp:comment_parent>/,
        `<wp:comment_parent>${101_000_000 + n}</wp:comment_parent>`,
      )
      .replace('<!-- /wp:paragraph -->]]>', `<!-- /wp:paragraph -->\n${paragraph}]]>`)
      .replace(/<wp:postmeta><wp:meta_key><!\[CDATA\[_thumbnail_id[\s\S]*?<\/wp:postmeta>/, '');
    if (!out.write(item)) await once(out, 'drain');
    written += Buffer.byteLength(item);
    n++;
  }
  out.end('\n</channel>\n</rss>\n');
  await once(out, 'finish');
  return n;
}

export async function wordpressBench(dir: string, megabytes = Number(process.env.BENCH_WXR_MB ?? 200)): Promise<void> {
  const file = join(dir, 'large-export.xml');
  const posts = await writeLargeWxr(file, megabytes * 1024 * 1024);
  const size = statSync(file).size / 1024 / 1024;
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'wordpress-child.ts'), file, join(dir, 'wxr.db')],
    {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (child.status !== 0) throw new Error(child.stderr);
  const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
    ms: number;
    maxRssMb: number;
    posts: number;
    comments: number;
  };
  console.log(
    `\nWordPress import of a ${size.toFixed(0)} MB WXR (${posts} posts, ${r.comments} comments): ${(r.ms / 1000).toFixed(0)} s, ` +
      `peak RSS ${r.maxRssMb.toFixed(0)} MB (the whole process)`,
  );
}
