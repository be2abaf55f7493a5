/**
 * Search quality and speed, printed by `npm run bench`:
 * - MRR and recall@10 over bench/relevance-set.ts for Safir and for a plain
 *   LIKE '%word%' search like WordPress's, on SQLite and PostgreSQL;
 * - latency p50/p95 of Safir's search on the shared corpus and on a
 *   100,000-article corpus made by repeating it with varied text (SQLite);
 * - the time to index the shared corpus.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { ContentRepository } from '../src/content/repository.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { CORPUS_SOURCE, type CorpusRecord, importJsonl } from '../src/import/jsonl.js';
import { reindexAll } from '../src/search/indexer.js';
import { SearchService } from '../src/search/service.js';
import { RELEVANCE_SET } from './relevance-set.js';

export interface QualityRow {
  engine: string;
  mrr: number;
  recall10: number;
}

async function idsBySource(database: Database): Promise<Map<number, string>> {
  const rows = await database.db.selectFrom('articles').select(['id', 'source_id']).execute();
  return new Map(rows.filter((r) => r.source_id).map((r) => [r.id, r.source_id!.slice(CORPUS_SOURCE.length)]));
}

function score(results: string[][]): { mrr: number; recall10: number } {
  let rr = 0;
  let recall = 0;
  RELEVANCE_SET.forEach((c, i) => {
    const got = results[i]!;
    const rank = got.findIndex((id) => c.expect.includes(id));
    rr += rank >= 0 ? 1 / (rank + 1) : 0;
    recall += c.expect.filter((id) => got.includes(id)).length / c.expect.length;
  });
  return { mrr: rr / RELEVANCE_SET.length, recall10: recall / RELEVANCE_SET.length };
}

/** WordPress's search: every word somewhere in title or body (LIKE '%word%'), title matches first, then newest. */
async function likeSearch(database: Database, q: string): Promise<number[]> {
  const words = q.replace(/"/g, ' ').split(/\s+/).filter(Boolean);
  let query = database.db.selectFrom('articles').select('id').where('status', '=', 'published');
  for (const w of words) {
    query = query.where((eb) => eb.or([eb('title', 'like', `%${w}%`), eb('body_html', 'like', `%${w}%`)]));
  }
  const rows = await query
    .orderBy(sql`CASE WHEN title LIKE ${`%${q}%`} THEN 0 ELSE 1 END`)
    .orderBy('published_at', 'desc')
    .limit(10)
    .execute();
  return rows.map((r) => r.id);
}

export async function measureQuality(label: string, database: Database): Promise<QualityRow[]> {
  const ids = await idsBySource(database);
  const service = new SearchService(database.db, new ContentRepository(database.db));
  const categories = await new ContentRepository(database.db).categories();
  const safir: string[][] = [];
  const like: string[][] = [];
  for (const c of RELEVANCE_SET) {
    const r = await service.search({ q: c.q, page: 1, limit: 10 }, categories);
    safir.push(r.items.map((i) => ids.get(i.article.id)!));
    like.push((await likeSearch(database, c.q)).map((id) => ids.get(id)!));
  }
  return [
    { engine: `Safir (${label})`, ...score(safir) },
    { engine: `LIKE baseline (${label})`, ...score(like) },
  ];
}

export async function measureLatency(
  database: Database,
  rounds: number,
): Promise<{ p50: number; p95: number; n: number }> {
  const service = new SearchService(database.db, new ContentRepository(database.db));
  const categories = await new ContentRepository(database.db).categories();
  const queries = [
    ...RELEVANCE_SET.map((c) => c.q),
    'روسيا',
    'الصين',
    'كأس العالم',
    'ترامب',
    'شنغ',
    'النفط',
    'السعودية',
  ];
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const q of queries) {
      const t = performance.now();
      await service.search({ q, page: 1, limit: 10 }, categories);
      times.push(performance.now() - t);
    }
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  return { p50: at(0.5), p95: at(0.95), n: times.length };
}

/** Writes a JSON Lines corpus of `copies` × the shared one, each copy's text varied (paragraphs rotated, ids and dates shifted). */
export function writeRepeatedCorpus(source: string, target: string, copies: number): void {
  const lines = readFileSync(source, 'utf8').trim().split('\n');
  const out: string[] = [];
  for (let c = 0; c < copies; c++) {
    for (const line of lines) {
      const r = JSON.parse(line) as CorpusRecord;
      const paras = r.body.split('\n\n');
      const shift = c % paras.length;
      const date = new Date(new Date(r.date).getTime() - c * 86_400_000 * 37).toISOString();
      out.push(
        JSON.stringify({
          ...r,
          id: `${r.id}-x${c}`,
          title: c ? `${r.title} (${c})` : r.title,
          body: [...paras.slice(shift), ...paras.slice(0, shift)].join('\n\n'),
          date,
        }),
      );
    }
  }
  // Written in one go: a 100k corpus is ~350 MB of JSON, well within this machine's memory.
  writeFileSync(target, `${out.join('\n')}\n`);
}

export async function indexTiming(dir: string, corpus: string): Promise<number> {
  const database = openDatabase(join(dir, 'index-timing.db'));
  try {
    await migrateToLatest(database.db, database.dialect);
    await importJsonl(database.db, corpus);
    const t = performance.now();
    await reindexAll(database.db);
    return performance.now() - t;
  } finally {
    await database.close();
  }
}
