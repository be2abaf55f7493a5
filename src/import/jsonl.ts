import { rebuildListStats } from '../content/list-stats.js';
import { rebuildSitemapPages } from '../feeds/sitemap-pages.js';
import { emit } from '../events/outbox.js';
import { CacheKeys } from '../delivery/cache-keys.js';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { DB } from '../db/database.js';
import { paragraphsToHtml } from '../content/sanitize.js';
import { ensureAuthor, ensureCategory, saveArticle } from '../content/service.js';
import { slugify } from '../content/slug.js';
import type { Progress } from '../shared/progress.js';

/** One line of the corpus format (see ../shared/corpus/README.md). */
export interface CorpusRecord {
  id: string;
  title: string;
  body: string;
  category: string;
  category_ar: string;
  source: string;
  date: string;
  author: string | null;
  summary: string | null;
}

export interface ImportReport {
  lines: number;
  created: number;
  updated: number;
  skipped: { line: number; reason: string }[];
  ms: number;
}

export interface ImportOptions {
  batchSize?: number;
  onProgress?: (p: Progress) => void;
}

/** Prefix of `articles.source_id` for corpus imports, so that other importers' ids never collide. */
export const CORPUS_SOURCE = 'corpus:';

/**
 * Imports a JSON Lines corpus as published articles: categories from
 * `category_ar` (slug from `category`), authors from `author` (or the outlet
 * when there is none), the outlet as a tag. One transaction per batch; a line
 * that does not parse or lacks a field is reported with its number and skipped.
 */
export async function importJsonl(db: DB, file: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const started = Date.now();
  const batchSize = opts.batchSize && opts.batchSize > 0 ? opts.batchSize : 500;
  const size = (await stat(file)).size;
  const report: ImportReport = { lines: 0, created: 0, updated: 0, skipped: [], ms: 0 };
  const categoryIds = new Map<string, number>();
  const authorIds = new Map<string, number>();
  let batch: CorpusRecord[] = [];
  let bytes = 0;

  const flush = async () => {
    if (!batch.length) return;
    const records = batch;
    batch = [];
    await db.transaction().execute(async (trx) => {
      const known = new Set(
        (
          await trx
            .selectFrom('articles')
            .select('source_id')
            .where(
              'source_id',
              'in',
              records.map((r) => CORPUS_SOURCE + r.id),
            )
            .execute()
        ).map((r) => r.source_id),
      );
      for (const r of records) {
        let categoryId = categoryIds.get(r.category);
        if (categoryId === undefined) {
          categoryId = await ensureCategory(trx, { name: r.category_ar, slug: slugify(r.category) });
          categoryIds.set(r.category, categoryId);
        }
        const authorName = authorNameOf(r);
        let authorId = authorIds.get(authorName);
        if (authorId === undefined) {
          authorId = await ensureAuthor(trx, { name: authorName });
          authorIds.set(authorName, authorId);
        }
        await saveArticle(
          trx,
          {
            title: r.title,
            excerpt: r.summary ?? undefined,
            bodyHtml: paragraphsToHtml(r.body),
            status: 'published',
            publishedAt: new Date(r.date).toISOString(),
            authorId,
            categoryId,
            tagNames: [r.source],
            sourceId: CORPUS_SOURCE + r.id,
          },
          { events: false },
        );
        if (known.has(CORPUS_SOURCE + r.id)) report.updated++;
        else report.created++;
      }
    });
  };

  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    bytes += Buffer.byteLength(line) + 1;
    if (!line.trim()) continue;
    report.lines++;
    const parsed = parseRecord(line);
    if (typeof parsed === 'string') {
      report.skipped.push({ line: lineNo, reason: parsed });
      continue;
    }
    batch.push(parsed);
    if (batch.length >= batchSize) {
      await flush();
      opts.onProgress?.({ done: bytes, total: size });
    }
  }
  await flush();
  // A bulk load is announced once, when it is all there: it changes lists everywhere.
  await db.transaction().execute(async (trx) => {
    await rebuildSitemapPages(trx);
    await rebuildListStats(trx);
    await emit(trx, { type: 'site.changed', keys: [CacheKeys.site], payload: { import: 'jsonl' } });
  });
  opts.onProgress?.({ done: size, total: size });
  report.ms = Date.now() - started;
  return report;
}

/** "القاهرة - أحمد الريدي" names the place, then the writer: keep the writer. */
function authorNameOf(r: CorpusRecord): string {
  const raw = r.author?.trim();
  if (!raw) return r.source;
  const parts = raw.split(/\s+[-–]\s+/);
  return (parts.at(-1) || raw).slice(0, 120);
}

const REQUIRED_STRINGS = ['id', 'title', 'body', 'category', 'category_ar', 'source', 'date'] as const;

/** The record, or why the line cannot be imported. */
export function parseRecord(line: string): CorpusRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not valid JSON';
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const o = value as Record<string, unknown>;
  for (const key of REQUIRED_STRINGS) {
    if (typeof o[key] !== 'string' || !(o[key] as string).trim()) return `missing or empty "${key}"`;
  }
  for (const key of ['author', 'summary'] as const) {
    if (o[key] !== undefined && o[key] !== null && typeof o[key] !== 'string')
      return `"${key}" must be a string or null`;
  }
  if ([...(o.title as string)].length > 300) return 'title longer than 300 characters';
  if (!slugify(o.category as string)) return 'category has no letters for a slug';
  if (Number.isNaN(Date.parse(o.date as string))) return `unreadable date "${String(o.date).slice(0, 40)}"`;
  return {
    id: (o.id as string).trim(),
    title: (o.title as string).trim(),
    body: o.body as string,
    category: o.category as string,
    category_ar: (o.category_ar as string).trim(),
    source: (o.source as string).trim(),
    date: o.date as string,
    author: (o.author as string | null | undefined) ?? null,
    summary: (o.summary as string | null | undefined) ?? null,
  };
}
