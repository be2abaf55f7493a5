/**
 * The growth run (part of `npm run bench`, or alone: `npx tsx bench/growth.ts`): the shared corpus grown to
 * 5,000 / 50,000 / 500,000 articles on SQLite, and what readers, crawlers and API clients then wait for.
 *
 * The corpus is imported once (analyzed and indexed like any import), then copied inside the database:
 * the corpus is dated back by as many weeks as there are copies, and copy k of every article is published
 * k weeks after it, under its own slug and a higher id, with the same tags, section, author and search
 * terms. So ids grow with dates as in a real archive, and a common word matches a hundred times more
 * articles at 500,000.
 *
 * Printed per size, every figure an uncached request (page cache off) to one `safir serve` process, each
 * URL asked 15 times in turn: median and slowest of home, article, category / tag / author pages (first,
 * middle and last), the articles API (first page, deep page, by cursor), the sitemap index and its files,
 * and search p50/p95 over common and rare words; then the newsroom load (Zipf readers over the newest
 * 5,000 articles, cache on, one edit a second) as bench:newsroom runs it.
 *
 * GROWTH_SIZES=5000,50000 limits the sizes (default 5000,50000,500000). Bounded: loopback only, every
 * run stops by itself. A 500,000-article database takes ~6 GB of disk in the temporary folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { rebuildListStats } from '../src/content/list-stats.js';
import { rebuildSitemapPages } from '../src/feeds/sitemap-pages.js';
import { importJsonl } from '../src/import/jsonl.js';
import { editorSession, newsroomLoad } from './newsroom.js';
import { startSafir, stop, waitFor } from './serve.js';

const CORPUS = resolve(process.env.SAFIR_CORPUS ?? '../shared/corpus/arabic-news.jsonl');
const SIZES = (process.env.GROWTH_SIZES ?? '5000,50000,500000').split(',').map(Number);
const ASKS = 15;

/** Imports the corpus, then copies it inside the database until it holds `size` articles. */
export async function grow(file: string, size: number): Promise<{ articles: number; seconds: number }> {
  const started = performance.now();
  const database = openDatabase(file);
  try {
    await migrateToLatest(database.db, database.dialect);
    await importJsonl(database.db, CORPUS);
    const db = database.db;
    const base = await db
      .selectFrom('articles')
      .select((eb) => [eb.fn.max('id').as('max'), eb.fn.countAll<number>().as('n')])
      .executeTakeFirstOrThrow();
    const stride = Number(base.max);
    const copies = Math.max(1, Math.round(size / Number(base.n)));
    // The corpus moves back by as many weeks as there will be copies; copy k is then k weeks newer, so ids grow
    // with dates as in a real archive (the newest articles have the highest ids).
    const back = sql.lit(`-${(copies - 1) * 7} days`);
    await sql`UPDATE articles SET published_at = strftime('%Y-%m-%dT%H:%M:%fZ', published_at, ${back}),
        created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at, ${back}),
        updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', updated_at, ${back})`.execute(db);
    for (let k = 1; k < copies; k++) {
      // One transaction a copy: a crash leaves whole copies, and SQLite's journal stays small.
      await db.transaction().execute(async (trx) => {
        // Literals, not bound values: a bound JS number is a REAL to SQLite, and 'slug-' || 1.0 is no slug.
        const shift = sql.lit(`+${k * 7} days`);
        const offset = sql.lit(k * stride);
        const suffix = sql.lit(`-${k}`);
        await sql`INSERT INTO articles (id, slug, title, excerpt, body_html, status, published_at, created_at, updated_at,
            author_id, category_id, featured_media_id, featured, breaking, seo_title, seo_description, word_count,
            source_id, comments_open, comment_count)
          SELECT id + ${offset}, slug || ${suffix}, title, excerpt, body_html, status,
            strftime('%Y-%m-%dT%H:%M:%fZ', published_at, ${shift}), strftime('%Y-%m-%dT%H:%M:%fZ', created_at, ${shift}),
            strftime('%Y-%m-%dT%H:%M:%fZ', updated_at, ${shift}), author_id, category_id, featured_media_id, 0, 0,
            seo_title, seo_description, word_count, CASE WHEN source_id IS NULL THEN NULL ELSE source_id || ${suffix} END,
            comments_open, 0
          FROM articles WHERE id <= ${stride}`.execute(trx);
        await sql`INSERT INTO article_tags (article_id, tag_id, listed, published_at)
          SELECT article_id + ${offset}, tag_id, listed, strftime('%Y-%m-%dT%H:%M:%fZ', published_at, ${shift})
          FROM article_tags WHERE article_id <= ${stride}`.execute(trx);
        await sql`INSERT INTO search_fts (rowid, title, excerpt, body, tags, category, author, plain)
          SELECT rowid + ${offset}, title, excerpt, body, tags, category, author, plain
          FROM search_fts WHERE rowid <= ${stride}`.execute(trx);
      });
      if (k % 10 === 0) process.stdout.write(`  ${(k + 1) * Number(base.n)} articles\r`);
    }
    await db.transaction().execute(async (trx) => {
      await rebuildSitemapPages(trx);
      await rebuildListStats(trx);
    });
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
    const n = await db
      .selectFrom('articles')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { articles: Number(n.n), seconds: (performance.now() - started) / 1000 };
  } finally {
    await database.close();
  }
}

/** Asks each URL `times` times in turn (one at a time); per URL: median and slowest, in ms. */
async function timings(base: string, paths: string[], times = ASKS): Promise<{ median: number; max: number }> {
  const all: number[] = [];
  for (let i = 0; i < times; i++) {
    for (const path of paths) {
      const t = performance.now();
      const res = await fetch(base + path, { headers: { 'accept-encoding': 'gzip' } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      all.push(performance.now() - t);
    }
  }
  all.sort((a, b) => a - b);
  return { median: all[Math.floor(all.length / 2)]!, max: all[all.length - 1]! };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface ApiList {
  articles: { url: string }[];
  pages?: number;
  next_cursor?: string | null;
}

async function figures(base: string): Promise<[string, string][]> {
  const rows: [string, string][] = [];
  const show = (label: string, t: { median: number; max: number }) =>
    rows.push([label, `${t.median.toFixed(1)} ms (slowest ${t.max.toFixed(1)})`]);
  const json = async <T>(path: string) => (await (await fetch(base + path)).json()) as T;

  show('home', await timings(base, ['/']));
  const first = await json<ApiList>('/api/v1/articles?limit=20');
  show(
    'article (20 different)',
    await timings(
      base,
      first.articles.map((a) => new URL(a.url).pathname),
      1,
    ),
  );

  const categories = await json<{ categories: { slug: string; count: number }[] }>('/api/v1/categories');
  const biggest = [...categories.categories].sort((a, b) => b.count - a.count)[0]!;
  const sitemapIndex = await (await fetch(`${base}/sitemap.xml`)).text();
  const files = [...sitemapIndex.matchAll(/<loc>https?:\/\/[^/]+(\/[^<]+)<\/loc>/g)].map((m) => m[1]!);
  const tagFile = files.find((f) => f.includes('tags'));
  const tagXml = tagFile ? await (await fetch(base + tagFile)).text() : '';
  const tagPath = /<loc>https?:\/\/[^/]+(\/tag\/[^<]+)<\/loc>/.exec(tagXml)?.[1];
  const authorFile = files.find((f) => f.includes('authors'));
  const authorXml = authorFile ? await (await fetch(base + authorFile)).text() : '';
  const authorPath = /<loc>https?:\/\/[^/]+(\/author\/[^<]+)<\/loc>/.exec(authorXml)?.[1];
  const pagesOf = async (path: string) => {
    const html = await (await fetch(base + path)).text();
    return Math.max(1, ...[...html.matchAll(/[?&]page=(\d+)/g)].map((m) => Number(m[1])));
  };
  for (const [label, path] of [
    [`category "${biggest.slug}" (${biggest.count} articles)`, `/category/${encodeURIComponent(biggest.slug)}`],
    ['tag (the first in its sitemap)', tagPath],
    ['author (the first in its sitemap)', authorPath],
  ] as const) {
    if (!path) continue;
    const last = await pagesOf(`${path}?page=999999999`).catch(() => 1);
    const pages = last > 1 ? last : await pagesOf(path);
    show(`${label}: page 1`, await timings(base, [path]));
    if (pages > 2)
      show(`  page ${Math.ceil(pages / 2)} of ${pages}`, await timings(base, [`${path}?page=${Math.ceil(pages / 2)}`]));
    if (pages > 1) show(`  page ${pages} (last)`, await timings(base, [`${path}?page=${pages}`]));
  }

  show('API /api/v1/articles?limit=100', await timings(base, ['/api/v1/articles?limit=100']));
  const deep = await json<ApiList>('/api/v1/articles?limit=100');
  let cursor = deep.next_cursor;
  for (let i = 0; i < 20 && cursor; i++)
    cursor = (await json<ApiList>(`/api/v1/articles?limit=100&cursor=${cursor}`)).next_cursor;
  if (cursor) show('  by cursor, 21 pages in', await timings(base, [`/api/v1/articles?limit=100&cursor=${cursor}`]));
  show('sitemap index', await timings(base, ['/sitemap.xml']));
  const articleFiles = files.filter((f) => /articles-\d+\.xml/.test(f));
  show(
    `article sitemap files (${articleFiles.length}: first, middle, last)`,
    await timings(
      base,
      [articleFiles[0]!, articleFiles[Math.floor(articleFiles.length / 2)]!, articleFiles[articleFiles.length - 1]!],
      5,
    ),
  );
  const others = files.filter((f) => !/articles-\d+\.xml/.test(f));
  if (others.length) show(`other sitemap files (${others.length})`, await timings(base, others, 5));

  const words = [
    'روسيا',
    'الرئيس',
    'السعودية',
    'كرة القدم',
    'ترامب',
    'النفط',
    'مصر',
    'الانتخابات',
    'فلسطين',
    'الاقتصاد',
  ];
  const rare = ['بوتين روسيا', 'كورونا', 'Putin', 'السفير', 'زلزال'];
  const searchTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (const q of [...words, ...rare]) {
      const t = performance.now();
      const res = await fetch(`${base}/search?q=${encodeURIComponent(q)}`, { headers: { 'accept-encoding': 'gzip' } });
      await res.arrayBuffer();
      searchTimes.push(performance.now() - t);
    }
  }
  rows.push([
    `search page (${words.length} common, ${rare.length} rarer queries ×3)`,
    `p50 ${percentile(searchTimes, 50).toFixed(1)} ms, p95 ${percentile(searchTimes, 95).toFixed(1)} ms`,
  ]);
  return rows;
}

export async function growthBench(dir: string, seconds: number): Promise<void> {
  for (const size of SIZES) {
    const file = join(dir, `growth-${size}.db`);
    console.log(`\ngrowth run: ${size} articles`);
    const grown = await grow(file, size);
    console.log(`  built ${grown.articles} articles in ${grown.seconds.toFixed(0)} s`);
    const port = 3700 + (size % 97);
    const base = `http://127.0.0.1:${port}`;
    const uncached = startSafir(file, port, dir, { PAGE_CACHE_SECONDS: '0', SAFIR_WORKERS: '1' });
    try {
      await waitFor(`${base}/robots.txt`);
      for (const [label, value] of await figures(base)) console.log(`  ${label.padEnd(60)} ${value}`);
    } finally {
      await stop(uncached);
    }
    const session = await editorSession(file);
    const served = startSafir(file, port, dir);
    try {
      await waitFor(`${base}/robots.txt`);
      const paths = join(dir, `growth-paths-${size}.txt`);
      const load = await newsroomLoad(base, session, paths, seconds);
      console.log(`  newsroom load (Zipf over the newest 5,000, 1 edit/s, cache on): ${load}`);
    } finally {
      await stop(served);
    }
    rmSync(file, { force: true });
    rmSync(`${file}-wal`, { force: true });
    rmSync(`${file}-shm`, { force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = mkdtempSync(join(tmpdir(), 'safir-growth-'));
  try {
    writeFileSync(join(dir, 'README'), 'Safir growth run scratch space; removed at the end.\n');
    await growthBench(dir, Number(process.env.BENCH_SECONDS ?? 20));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
