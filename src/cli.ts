#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { seedDemoContent } from './content/demo/seed.js';
import { openDatabase } from './db/database.js';
import { afterBulkLoad } from './db/maintenance.js';
import { migrateToLatest } from './db/migrator.js';
import { importJsonl } from './import/jsonl.js';
import { reindexAll } from './search/indexer.js';
import { terminalProgress } from './shared/progress.js';

const USAGE = `safir — منصة سفير للنشر / the Safir publishing platform

Usage:
  safir serve                  migrate, seed the demo on an empty database, and serve (PORT, HOST)
  safir migrate                bring the database schema up to date
  safir import jsonl FILE      import articles from a JSON Lines corpus (re-runs update, never duplicate)
  safir search reindex         rebuild the search index (the site keeps searching meanwhile)

Environment:
  DATABASE_URL   postgres://… for PostgreSQL; otherwise a SQLite file (default data/safir.db)
  PORT, HOST     where to listen (default 3000 on 127.0.0.1)
  MEDIA_DIR      where uploaded media lives (default data/media)
  SAFIR_DEMO=0   do not seed the demo magazine on first start
  PAGE_CACHE_SECONDS  how long a rendered page is reused (default 30; 0 turns the cache off)
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, 'batch-size': { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 1;
  }
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  try {
    switch (command) {
      case 'migrate': {
        const { applied } = await migrateToLatest(database.db, database.dialect);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Schema is up to date.');
        return 0;
      }
      case 'serve':
        return await serve(config, database);
      case 'import': {
        const [kind, file] = rest;
        if (kind !== 'jsonl' || !file) {
          process.stderr.write('Usage: safir import jsonl FILE\n');
          return 1;
        }
        await migrateToLatest(database.db, database.dialect);
        const batchSize = values['batch-size'] ? Number(values['batch-size']) : undefined;
        const report = await importJsonl(database.db, file, { batchSize, onProgress: terminalProgress('import') });
        await afterBulkLoad(database);
        console.log(
          `\nImported ${report.created} new, updated ${report.updated}, skipped ${report.skipped.length} ` +
            `of ${report.lines} lines in ${(report.ms / 1000).toFixed(1)} s.`,
        );
        for (const s of report.skipped.slice(0, 50)) console.log(`  line ${s.line}: ${s.reason}`);
        if (report.skipped.length > 50) console.log(`  … and ${report.skipped.length - 50} more`);
        return 0;
      }
      case 'search': {
        if (rest[0] !== 'reindex') {
          process.stderr.write('Usage: safir search reindex\n');
          return 1;
        }
        await migrateToLatest(database.db, database.dialect);
        const started = Date.now();
        const n = await reindexAll(database.db, terminalProgress('reindex'));
        await afterBulkLoad(database);
        console.log(`\nReindexed ${n} articles in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
        return 0;
      }
      default:
        process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
        return 1;
    }
  } finally {
    if (command !== 'serve') await database.close();
  }
}

async function serve(
  config: ReturnType<typeof loadConfig>,
  database: ReturnType<typeof openDatabase>,
): Promise<number> {
  await migrateToLatest(database.db, database.dialect);
  if (config.seedDemo && (await seedDemoContent(database, config.mediaRoot))) {
    console.log('Seeded the demo magazine (مجلة السفير).');
  }
  const { app } = await buildApp({
    database,
    mediaRoot: config.mediaRoot,
    trustProxy: config.trustProxy,
    pageCacheMs: config.pageCacheMs,
    logger: { level: config.logLevel },
  });
  const stop = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
  app.log.info(`Safir is serving ${database.dialect} (${database.location}) on http://${config.host}:${config.port}/`);
  return new Promise<number>(() => {});
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
