/**
 * npm run bench — prints the numbers the reading site is held to:
 *   1. the time to import the shared corpus (SQLite, and PostgreSQL when reachable);
 *   2. requests per second and p50/p99 latency for the home and article pages under
 *      autocannon at 16 connections on loopback, served by one Node process (the
 *      built CLI, as an operator runs it), with the page cache on (the default) and off;
 *   3. search quality and latency, the WordPress import (bench/wordpress.ts), and the growth run
 *      (bench/growth.ts: 5,000 → 500,000 articles, what readers, crawlers and API clients wait for).
 * Bounded: each load run lasts BENCH_SECONDS (default 10) and talks to 127.0.0.1 only.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { afterBulkLoad } from '../src/db/maintenance.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { importJsonl } from '../src/import/jsonl.js';
import { growthBench } from './growth.js';
import { startSafir, waitFor } from './serve.js';
import { wordpressBench } from './wordpress.js';
import { RELEVANCE_SET } from './relevance-set.js';
import { indexTiming, measureLatency, measureQuality, type QualityRow, writeRepeatedCorpus } from './search.js';

const CORPUS = resolve(process.env.SAFIR_CORPUS ?? '../shared/corpus/arabic-news.jsonl');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 16;
const PG_ADMIN = process.env.SAFIR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** BENCH_ONLY=site, =search, =wordpress or =growth runs one part. */
const ONLY = process.env.BENCH_ONLY;
/** Copies of the corpus for the large search latency run (20 × 5,000 = 100,000 articles); 0 skips it. */
const BIG_COPIES = Number(process.env.BENCH_BIG_COPIES ?? 20);

async function searchBench(dir: string, sqliteFile: string, pgUrl: string | undefined): Promise<void> {
  const quality: QualityRow[] = [];
  const sqlite = openDatabase(sqliteFile);
  try {
    quality.push(...(await measureQuality('SQLite', sqlite)));
    const lat = await measureLatency(sqlite, 5);
    console.log(
      `search latency, shared corpus, SQLite: p50 ${lat.p50.toFixed(1)} ms, p95 ${lat.p95.toFixed(1)} ms (${lat.n} searches)`,
    );
  } finally {
    await sqlite.close();
  }
  if (pgUrl) {
    const pgdb = openDatabase(pgUrl);
    try {
      quality.push(...(await measureQuality('PostgreSQL', pgdb)));
      const lat = await measureLatency(pgdb, 5);
      console.log(
        `search latency, shared corpus, PostgreSQL: p50 ${lat.p50.toFixed(1)} ms, p95 ${lat.p95.toFixed(1)} ms (${lat.n} searches)`,
      );
    } finally {
      await pgdb.close();
    }
  }
  const indexMs = await indexTiming(dir, CORPUS);
  console.log(`indexing the shared corpus (reindex of 5,000 articles), SQLite: ${(indexMs / 1000).toFixed(1)} s`);

  console.log(`\nrelevance set: ${RELEVANCE_SET.length} queries`);
  console.log(['engine'.padEnd(30), 'MRR'.padStart(8), 'recall@10'.padStart(11)].join(''));
  for (const q of quality)
    console.log([q.engine.padEnd(30), q.mrr.toFixed(3).padStart(8), q.recall10.toFixed(3).padStart(11)].join(''));

  if (BIG_COPIES > 0) {
    const bigCorpus = join(dir, 'big.jsonl');
    writeRepeatedCorpus(CORPUS, bigCorpus, BIG_COPIES);
    const big = openDatabase(join(dir, 'big.db'));
    try {
      await migrateToLatest(big.db, big.dialect);
      const t = performance.now();
      const report = await importJsonl(big.db, bigCorpus, { batchSize: 1000 });
      console.log(
        `\nlarge corpus: ${report.created} articles imported and indexed in ${((performance.now() - t) / 1000).toFixed(0)} s`,
      );
      const lat = await measureLatency(big, 2);
      console.log(
        `search latency, ${report.created} articles, SQLite: p50 ${lat.p50.toFixed(1)} ms, p95 ${lat.p95.toFixed(1)} ms (${lat.n} searches)`,
      );
    } finally {
      await big.close();
    }
  }
}

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function importInto(url: string): Promise<number> {
  const database = openDatabase(url);
  try {
    await migrateToLatest(database.db, database.dialect);
    const report = await importJsonl(database.db, CORPUS);
    await afterBulkLoad(database);
    if (report.created + report.updated !== 5000 && report.skipped.length) console.warn(report.skipped.slice(0, 5));
    return report.ms;
  } finally {
    await database.close();
  }
}

async function startServer(
  databaseUrl: string,
  port: number,
  pageCacheSeconds: number,
  dir: string,
): Promise<ChildProcess> {
  const child = startSafir(databaseUrl, port, dir, {
    SAFIR_WORKERS: process.env.SAFIR_WORKERS ?? '1',
    PAGE_CACHE_SECONDS: String(pageCacheSeconds),
  });
  await waitFor(`http://127.0.0.1:${port}/api/v1/categories`, 10_000).catch((err: unknown) => {
    child.kill();
    throw err;
  });
  return child;
}

function load(url: string, paths: string[], seconds = SECONDS): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: paths.map((path) => ({ method: 'GET', path })),
  });
}

async function measure(base: string, scenario: string, paths: string[]): Promise<Row> {
  await load(base, paths, 2); // warm-up: JIT, connection pool, first renders
  const r = await load(base, paths);
  return {
    scenario,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
  };
}

async function serveScenarios(label: string, databaseUrl: string, dir: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const cacheSeconds of [30, 0]) {
    const port = 3900 + Math.floor(Math.random() * 500);
    const server = await startServer(databaseUrl, port, cacheSeconds, dir);
    try {
      const base = `http://127.0.0.1:${port}`;
      const list = (await (await fetch(`${base}/api/v1/articles?limit=100&page=7`)).json()) as {
        articles: { url: string }[];
      };
      const articles = list.articles.map((a) => new URL(a.url).pathname);
      const mode = cacheSeconds ? 'page cache' : 'no page cache';
      rows.push(await measure(base, `${label} home (${mode})`, ['/']));
      rows.push(await measure(base, `${label} one article (${mode})`, [articles[0]!]));
      rows.push(await measure(base, `${label} 100 articles in turn (${mode})`, articles));
      rows.push(await measure(base, `${label} category page 5 (${mode})`, ['/category/culture?page=5']));
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  }
  return rows;
}

async function main(): Promise<void> {
  if (!existsSync(CORPUS)) throw new Error(`No corpus at ${CORPUS} (set SAFIR_CORPUS)`);
  if (!existsSync('dist/cli.js')) throw new Error('Build first: npm run build');
  const dir = mkdtempSync(join(tmpdir(), 'safir-bench-'));
  const rows: Row[] = [];
  try {
    if (ONLY === 'wordpress') {
      await wordpressBench(dir);
      return;
    }
    if (ONLY === 'growth') {
      await growthBench(dir, SECONDS);
      return;
    }
    const sqliteFile = join(dir, 'safir.db');
    const sqliteMs = await importInto(sqliteFile);
    console.log(`import of the shared corpus (5,000 articles), SQLite: ${(sqliteMs / 1000).toFixed(1)} s`);

    let pgUrl: string | undefined;
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    try {
      await admin.connect();
      await admin.query('DROP DATABASE IF EXISTS safir_bench WITH (FORCE)');
      await admin.query('CREATE DATABASE safir_bench');
      const u = new URL(PG_ADMIN);
      u.pathname = '/safir_bench';
      pgUrl = u.toString();
      const pgMs = await importInto(pgUrl);
      console.log(`import of the shared corpus (5,000 articles), PostgreSQL: ${(pgMs / 1000).toFixed(1)} s`);
    } catch (err) {
      console.log(`PostgreSQL skipped: ${(err as Error).message}`);
    } finally {
      await admin.end().catch(() => {});
    }

    if (ONLY !== 'search') {
      rows.push(...(await serveScenarios('SQLite', sqliteFile, dir)));
      if (pgUrl) rows.push(...(await serveScenarios('PostgreSQL', pgUrl, dir)));
    }
    if (ONLY !== 'site') await searchBench(dir, sqliteFile, pgUrl);
    if (!ONLY) await wordpressBench(dir);
    if (!ONLY) await growthBench(dir, SECONDS);

    if (rows.length)
      console.log(`\none Node process, autocannon ${CONNECTIONS} connections × ${SECONDS} s on 127.0.0.1`);
    console.log(
      [
        'scenario'.padEnd(44),
        'req/s'.padStart(8),
        'p50 ms'.padStart(8),
        'p99 ms'.padStart(8),
        'errors'.padStart(7),
      ].join(''),
    );
    for (const r of rows) {
      console.log(
        [
          r.scenario.padEnd(44),
          String(r.rps).padStart(8),
          String(r.p50).padStart(8),
          String(r.p99).padStart(8),
          String(r.errors).padStart(7),
        ].join(''),
      );
    }
    if (pgUrl) {
      const admin2 = new pg.Client({ connectionString: PG_ADMIN });
      await admin2.connect();
      await admin2.query('DROP DATABASE IF EXISTS safir_bench WITH (FORCE)');
      await admin2.end();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
