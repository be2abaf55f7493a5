import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Database, openDatabase } from '../db/database.js';
import { snapshotSqlite } from '../db/maintenance.js';
import { LocalMediaStore, type MediaStore } from '../media/storage/index.js';
import { isSafeMediaPath, mediaTypeOf } from '../media/storage/media-store.js';
import { EXPORT_TABLES, exportSite, importSiteText } from './safir-export.js';

/** What `safir backup` writes beside the data: what it holds, to check a restore against. */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: 1;
  taken_at: string;
  /** The engine it was taken from; it restores into either. */
  engine: Database['dialect'];
  /** Rows per table in the export. */
  tables: Record<string, number>;
  /** SHA-256 (hex) of every file, by its path in the backup folder (`safir-export.json`, `media/…`). */
  files: Record<string, string>;
}

export const BACKUP_FORMAT = 'safir-backup';
const EXPORT_FILE = 'safir-export.json';
const MANIFEST_FILE = 'manifest.json';

export class BackupError extends Error {}

/**
 * `safir backup DIR` while the site serves: one consistent snapshot of the database written as a Safir export
 * (SQLite: `VACUUM INTO` a snapshot file, exported from it; PostgreSQL: read in one repeatable-read
 * transaction), then every media file from the store (the local folder or the S3 bucket) into DIR/media, and a
 * manifest with the rows per table and a SHA-256 of every file. The export is the same on both engines, so a
 * backup restores into either (`safir restore DIR`): that is also how a site moves from SQLite to PostgreSQL.
 * Media files never change once written, so copying them after the snapshot loses nothing it names (an image
 * deleted in between is the one exception).
 */
export async function backup(
  database: Database,
  media: MediaStore,
  dir: string,
): Promise<{ started: string; mediaFiles: number; manifest: BackupManifest }> {
  const target = resolve(dir);
  // Backups hold password hashes and two-factor secrets: readable by the owner only.
  await mkdir(target, { recursive: true, mode: 0o700 });
  if ((await readdir(target)).length) throw new BackupError(`${target} is not empty; back up into an empty folder`);
  const started = new Date().toISOString();
  const exportFile = join(target, EXPORT_FILE);
  let tables: Record<string, number>;
  if (database.dialect === 'sqlite') {
    const snapshot = join(target, '.snapshot.db');
    await snapshotSqlite(database, snapshot);
    const copy = openDatabase(snapshot);
    try {
      tables = await exportSite(copy.db, exportFile, { withPasswords: true, now: started });
    } finally {
      await copy.close();
      for (const suffix of ['', '-wal', '-shm']) await rm(snapshot + suffix, { force: true });
    }
  } else {
    tables = await database.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute((trx) => exportSite(trx, exportFile, { withPasswords: true, now: started }));
  }
  const files: Record<string, string> = { [EXPORT_FILE]: await sha256Of(exportFile) };
  let mediaFiles = 0;
  for await (const path of media.list()) {
    const stored = await media.get(path);
    if (!stored) continue; // deleted since it was listed
    const out = join(target, 'media', ...path.split('/'));
    await mkdir(dirname(out), { recursive: true, mode: 0o700 });
    const hash = createHash('sha256');
    await pipeline(
      stored.body,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(out, { mode: 0o600 }),
    );
    files[`media/${path}`] = hash.digest('hex');
    mediaFiles++;
  }
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    version: 1,
    taken_at: started,
    engine: database.dialect,
    tables,
    files,
  };
  await writeFile(join(target, MANIFEST_FILE), `${JSON.stringify(manifest, null, 1)}\n`, { mode: 0o600 });
  await writeFile(
    join(target, 'RESTORE.txt'),
    `Safir backup taken ${started} from ${database.dialect}.\n` +
      `Restore into an empty database (SQLite or PostgreSQL, whichever DATABASE_URL names) and the media store\n` +
      `(MEDIA_DIR, or MEDIA_STORE=s3://…), after checking every file against manifest.json:\n` +
      `  npx safir restore ${target}\n`,
  );
  return { started, mediaFiles, manifest };
}

/**
 * `safir restore DIR [--force]`: checks every file of a backup against its manifest (nothing is touched if one
 * is missing or changed), restores the export in one transaction that rolls back unless every table holds the
 * rows the manifest names, then puts the media files into the store. Refuses a database that is not empty
 * unless `replace` (`--force`).
 */
export async function restoreBackup(
  database: Database,
  media: MediaStore,
  dir: string,
  options: { replace?: boolean } = {},
): Promise<{ manifest: BackupManifest; tables: Record<string, number>; media: { restored: number; present: number } }> {
  const root = resolve(dir);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(root, MANIFEST_FILE), 'utf8')) as BackupManifest;
  } catch (err) {
    throw new BackupError(`${root} has no readable ${MANIFEST_FILE}: ${(err as Error).message}`);
  }
  if (manifest.format !== BACKUP_FORMAT || manifest.version !== 1 || !manifest.files?.[EXPORT_FILE])
    throw new BackupError(`${root}/${MANIFEST_FILE} is not a Safir backup manifest (version 1)`);
  const missingCounts = EXPORT_TABLES.filter((t) => typeof manifest.tables?.[t] !== 'number');
  if (missingCounts.length)
    throw new BackupError(`the manifest gives no row count for ${missingCounts.join(', ')}: nothing was restored`);
  // Every file is checked before anything is written; what is then restored is checked again as it is read
  // (one file in memory at a time), so a file changed in between is refused, not restored.
  const bad: string[] = [];
  const exportText = await readFile(join(root, EXPORT_FILE)).catch(() => undefined);
  for (const [path, expected] of Object.entries(manifest.files)) {
    if (!isSafeBackupPath(path)) {
      bad.push(`${path} (not a path a backup writes)`);
      continue;
    }
    const actual =
      path === EXPORT_FILE
        ? exportText && sha256(exportText)
        : await sha256Of(join(root, ...path.split('/'))).catch(() => undefined);
    if (!actual) bad.push(`${path} (missing)`);
    else if (actual !== expected) bad.push(`${path} (changed)`);
  }
  // Nothing the manifest does not name goes into the media store.
  if (existsSync(join(root, 'media')))
    for await (const path of new LocalMediaStore(join(root, 'media')).list())
      if (!manifest.files[`media/${path}`]) bad.push(`media/${path} (not in the manifest)`);
  if (bad.length) throw new BackupError(`the backup is damaged, nothing was restored: ${bad.slice(0, 20).join(', ')}`);
  const tables = await importSiteText(database, exportText!.toString('utf8'), {
    replace: options.replace,
    expect: manifest.tables,
  });
  const counts = { restored: 0, present: 0 };
  for (const [path, expected] of Object.entries(manifest.files)) {
    if (path === EXPORT_FILE) continue;
    const done = await putUnlessPresent(media, path.slice('media/'.length), async () => {
      const bytes = await readFile(join(root, ...path.split('/')));
      if (sha256(bytes) !== expected) throw new BackupError(`${path} changed during the restore; run it again`);
      return bytes;
    });
    counts[done]++;
  }
  return { manifest, tables, media: counts };
}

/**
 * Puts a backed-up media file into the store under its own path, read only if the store lacks it: names are
 * unique per upload, so a file already there is that very file (and a restore may be run again).
 */
async function putUnlessPresent(
  media: MediaStore,
  path: string,
  read: () => Promise<Buffer>,
): Promise<'restored' | 'present'> {
  if ((await media.size(path)) !== undefined) return 'present';
  await media.put(path, await read(), mediaTypeOf(path) ?? 'application/octet-stream');
  return 'restored';
}

/** The export, or a media file's place under media/: nothing a manifest could name outside the folder. */
function isSafeBackupPath(path: string): boolean {
  return path === EXPORT_FILE || (path.startsWith('media/') && isSafeMediaPath(path.slice('media/'.length)));
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `safir media restore DIR`: puts every file of a backup's media folder into the media store, keeping its
 * path; a file the store already has is left as it is (names are unique per upload), so it may be re-run.
 */
export async function restoreMedia(
  media: MediaStore,
  dir: string,
): Promise<{ restored: number; present: number; skipped: string[] }> {
  const root = resolve(dir);
  const counts = { restored: 0, present: 0 };
  const skipped: string[] = [];
  // The backup's folder read as a local store: regular files only (no links), as relative paths.
  for await (const path of new LocalMediaStore(root).list()) {
    // A name Safir could have made, of a kind it stores; anything else is reported, not copied.
    if (!isSafeMediaPath(path) || !mediaTypeOf(path)) {
      skipped.push(path);
      continue;
    }
    counts[await putUnlessPresent(media, path, () => readFile(join(root, path)))]++;
  }
  return { ...counts, skipped };
}
