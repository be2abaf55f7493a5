#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { serve, workerCount } from './serve.js';
import { loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { afterBulkLoad } from './db/maintenance.js';
import { migrateToLatest } from './db/migrator.js';
import { terminalProgress } from './shared/progress.js';
import type { Role } from './db/schema.js';
import { AppError } from './shared/errors.js';
import type { MediaStore } from './media/storage/index.js';
// Each command loads what it needs when it runs (below): `serve`'s supervising process stays small
// (no importers, image library or web app in it), and a command starts faster.

const USAGE = `safir — منصة سفير للنشر / the Safir publishing platform

Usage:
  safir serve [--workers N]    migrate, seed the demo on an empty database, and serve (PORT, HOST);
                               N processes share the port (default: one per CPU, or SAFIR_WORKERS)
  safir migrate                bring the database schema up to date
  safir import jsonl FILE      import articles from a JSON Lines corpus (re-runs update, never duplicate)
  safir import wordpress FILE [--uploads DIR] [--dry-run] [--url-map OUT]
                               import a WordPress export (WXR): authors, sections, tags, posts, pages,
                               comments, images from DIR (wp-content/uploads); old links redirect; run again,
                               it merges (what the newsroom changed since stays); --dry-run reports and keeps
                               nothing; --url-map writes every old address and its new one (tab-separated)
  safir search reindex         rebuild the search index (the site keeps searching meanwhile)
  safir user add --email E --name N --role R
                               create an account (roles: administrator, editor, author, contributor);
                               asks for the password on a terminal, or reads it from standard input
  safir export FILE [--with-passwords]
                               the whole site as one JSON document (users without password hashes unless asked)
  safir import safir FILE [--force]
                               restore such an export into an empty database (same ids and URLs)
  safir backup DIR             a consistent snapshot of the database and every media file, while the site serves,
                               with a manifest of row counts and checksums
  safir restore DIR [--force]  restore a backup into an empty database, SQLite or PostgreSQL whichever it came from
                               (checked against its manifest first); --force replaces a site that is there
  safir media restore DIR      put a backup's media files into the media store (MEDIA_DIR or MEDIA_STORE)
  safir privacy export --email E   print, as JSON, everything kept about an email address (its comments)
  safir privacy erase --email E    delete every comment written with that address
  safir user reset-link --email E [--base-url https://…]
                               print a one-hour password-reset link (when the site sends no email)

Environment:
  DATABASE_URL   postgres://… for PostgreSQL; otherwise a SQLite file (default data/safir.db)
  PORT, HOST     where to listen (default 3000 on 127.0.0.1)
  MEDIA_DIR      where uploaded media lives (default data/media)
  MEDIA_STORE    s3://bucket/prefix: media in S3-compatible storage every node shares (AWS_REGION,
                 AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_S3); MEDIA_PUBLIC_URL: a CDN for it
  SAFIR_DEMO=0   do not seed the demo magazine on first start
  PAGE_CACHE_SECONDS  the longest a cached page is kept unchanged (default 1800; 0 turns the cache off);
                 pages are replaced as soon as what they show changes, whatever this says
  PAGE_CACHE_MB  memory for cached pages in each worker (default 128)
  SITE_URL       the public address every absolute link uses (https://news.example)
  TRUST_PROXY    reverse proxies allowed to set X-Forwarded-* (127.0.0.1,10.0.0.0/8; 1 = loopback)
  ALLOWED_HOSTS  host names to answer (comma-separated); others get a 400
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'batch-size': { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      'base-url': { type: 'string' },
      uploads: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'url-map': { type: 'string' },
      'with-passwords': { type: 'boolean' },
      force: { type: 'boolean' },
      workers: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 1;
  }
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  // The media store (MEDIA_STORE, or the MEDIA_DIR folder), opened by the commands that need it.
  let media: MediaStore | undefined;
  const mediaStore = async () =>
    (media ??= await (await import('./media/storage/index.js')).openMediaStore(config.mediaStore, config.mediaRoot));
  try {
    switch (command) {
      case 'migrate': {
        const { applied } = await migrateToLatest(database.db, database.dialect);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Schema is up to date.');
        return 0;
      }
      case 'serve':
        await database.close(); // the workers (or this process) open their own
        await serve(config, workerCount(values.workers));
        return new Promise<number>(() => {});
      case 'import': {
        const [kind, file] = rest;
        if (kind === 'wordpress' && file) {
          const { formatWordPressReport, importWordPress, WordPressImportError } =
            await import('./import/wordpress.js');
          const { serverSecret } = await import('./accounts/secret.js');
          await migrateToLatest(database.db, database.dialect);
          // Ctrl-C or a stop rolls the import back (and removes the files it wrote) instead of leaving them.
          const stop = new AbortController();
          const abort = () => stop.abort();
          process.on('SIGINT', abort).on('SIGTERM', abort); // a second Ctrl-C must not kill it halfway through the rollback
          try {
            const report = await importWordPress(database.db, file, {
              signal: stop.signal,
              media: await mediaStore(),
              uploadsDir: values.uploads,
              secret: await serverSecret(database.db),
              onProgress: terminalProgress('import'),
              dryRun: values['dry-run'],
            });
            if (!report.dryRun) await afterBulkLoad(database);
            console.log(`\n${formatWordPressReport(report)}`);
            if (values['url-map']) {
              const { writeFile } = await import('node:fs/promises');
              await writeFile(values['url-map'], report.urlMap.map(([from, to]) => `${from}\t${to}\n`).join(''));
              console.log(`Old addresses and their new ones: ${values['url-map']} (${report.urlMap.length})`);
            }
            return 0;
          } catch (err) {
            if (err instanceof WordPressImportError) {
              process.stderr.write(`\n${err.message}\nNothing was changed.\n`);
              return 1;
            }
            throw err;
          } finally {
            process.off('SIGINT', abort).off('SIGTERM', abort);
          }
        }
        if (kind === 'safir' && file) {
          const { ExportFormatError, importSite } = await import('./import/safir-export.js');
          await migrateToLatest(database.db, database.dialect);
          try {
            const counts = await importSite(database, file, { replace: values.force });
            await afterBulkLoad(database);
            console.log(
              `Restored: ${Object.entries(counts)
                .map(([t, n]) => `${t} ${n}`)
                .join(', ')}.`,
            );
            return 0;
          } catch (err) {
            if (err instanceof ExportFormatError) {
              process.stderr.write(`Not restored: ${err.message}\nNothing was changed.\n`);
              return 1;
            }
            throw err;
          }
        }
        if (kind !== 'jsonl' || !file) {
          process.stderr.write(
            'Usage: safir import jsonl FILE | safir import wordpress FILE [--uploads DIR] [--dry-run] [--url-map OUT]\n',
          );
          return 1;
        }
        const { importJsonl } = await import('./import/jsonl.js');
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
        const { reindexAll } = await import('./search/indexer.js');
        await migrateToLatest(database.db, database.dialect);
        const started = Date.now();
        const n = await reindexAll(database.db, terminalProgress('reindex'));
        await afterBulkLoad(database);
        console.log(`\nReindexed ${n} articles in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
        return 0;
      }
      case 'export': {
        const [file] = rest;
        if (!file) {
          process.stderr.write('Usage: safir export FILE [--with-passwords]\n');
          return 1;
        }
        const { exportSite } = await import('./import/safir-export.js');
        await migrateToLatest(database.db, database.dialect);
        const counts = await exportSite(database.db, file, { withPasswords: values['with-passwords'] });
        console.log(
          `Exported to ${file}: ${Object.entries(counts)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ')}.`,
        );
        return 0;
      }
      case 'backup': {
        const [dir] = rest;
        if (!dir) {
          process.stderr.write('Usage: safir backup DIR\n');
          return 1;
        }
        const { backup } = await import('./import/backup.js');
        await migrateToLatest(database.db, database.dialect);
        const done = await backup(database, await mediaStore(), dir);
        const rows = Object.values(done.manifest.tables).reduce((n, v) => n + v, 0);
        console.log(
          `Backed up (snapshot at ${done.started}: ${rows} rows, ${done.mediaFiles} media files, checksums in manifest.json) to ${dir}.`,
        );
        return 0;
      }
      case 'restore': {
        const [dir] = rest;
        if (!dir) {
          process.stderr.write('Usage: safir restore DIR [--force]\n');
          return 1;
        }
        const { restoreBackup } = await import('./import/backup.js');
        await migrateToLatest(database.db, database.dialect);
        const done = await restoreBackup(database, await mediaStore(), dir, { replace: values.force });
        await afterBulkLoad(database);
        console.log(
          `Restored the ${done.manifest.engine} backup of ${done.manifest.taken_at} into ${database.dialect}: ${Object.entries(
            done.tables,
          )
            .map(([t, n]) => `${t} ${n}`)
            .join(
              ', ',
            )}; ${done.media.restored} media files put (${done.media.present} were there). Every file matched its checksum and every table its count.`,
        );
        return 0;
      }
      case 'media': {
        const [action, dir] = rest;
        if (action !== 'restore' || !dir) {
          process.stderr.write('Usage: safir media restore DIR\n');
          return 1;
        }
        const { restoreMedia } = await import('./import/backup.js');
        const store = await mediaStore();
        const done = await restoreMedia(store, dir);
        console.log(`Put ${done.restored} files into ${store.location} (${done.present} were there already).`);
        if (done.skipped.length) console.log(`Skipped, not media files Safir makes: ${done.skipped.join(', ')}`);
        return 0;
      }
      case 'privacy': {
        const { erasePersonalData, exportPersonalData } = await import('./comments/privacy.js');
        await migrateToLatest(database.db, database.dialect);
        if (!values.email || (rest[0] !== 'export' && rest[0] !== 'erase')) {
          process.stderr.write('Usage: safir privacy export|erase --email E\n');
          return 1;
        }
        if (rest[0] === 'export') {
          console.log(JSON.stringify(await exportPersonalData(database.db, values.email), null, 2));
        } else {
          const erased = await erasePersonalData(database.db, values.email);
          console.log(
            `Erased ${erased.comments} comments.${erased.account ? ' A staff account uses this address; remove it under Users if asked.' : ''}`,
          );
        }
        return 0;
      }
      case 'user': {
        const { AccountService } = await import('./accounts/service.js');
        const { serverSecret } = await import('./accounts/secret.js');
        await migrateToLatest(database.db, database.dialect);
        const accounts = new AccountService(database.db, await serverSecret(database.db));
        if (rest[0] === 'add') {
          const password = await readPassword();
          const user = await accounts.createUser({
            email: values.email,
            name: values.name,
            role: values.role as Role,
            password,
          });
          console.log(`Created ${user.role} ${user.email} (id ${user.id}).`);
          return 0;
        }
        if (rest[0] === 'reset-link' && values.email) {
          const user = await accounts.userByEmail(values.email);
          if (!user) {
            process.stderr.write(`No account for ${values.email}.\n`);
            return 1;
          }
          const token = await accounts.createResetToken(user.id);
          const base = values['base-url'] || config.siteUrl || `http://${config.host}:${config.port}`;
          console.log(`${base.replace(/\/$/, '')}/admin/reset/${token}`);
          return 0;
        }
        process.stderr.write('Usage: safir user add --email E --name N --role R | safir user reset-link --email E\n');
        return 1;
      }
      default:
        process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
        return 1;
    }
  } finally {
    if (command !== 'serve') await database.close();
    await media?.close();
  }
}

/** The password: typed without echo on a terminal (twice), or the first line of standard input. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let data = '';
    for await (const chunk of process.stdin) data += chunk;
    return data.split(/\r?\n/)[0] ?? '';
  }
  const ask = (prompt: string) =>
    new Promise<string>((resolve) => {
      process.stdout.write(prompt);
      const stdin = process.stdin;
      stdin.setRawMode(true);
      stdin.resume();
      let value = '';
      const onData = (buf: Buffer) => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.setRawMode(false);
            stdin.pause();
            stdin.off('data', onData);
            process.stdout.write('\n');
            resolve(value);
            return;
          }
          if (ch === '\u0003') process.exit(130);
          value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
        }
      };
      stdin.on('data', onData);
    });
  const first = await ask('Password: ');
  const again = await ask('Repeat: ');
  if (first !== again) throw new Error('The passwords do not match.');
  return first;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(
      err instanceof AppError ? `${err.messageEn} ${err.messageAr}` : err instanceof Error ? err.message : err,
    );
    process.exit(1);
  },
);
