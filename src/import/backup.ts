import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createWriteStream, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Database } from '../db/database.js';
import { snapshotSqlite } from '../db/maintenance.js';
import { LocalMediaStore, type MediaStore } from '../media/storage/index.js';
import { isSafeMediaPath, mediaTypeOf } from '../media/storage/media-store.js';
import { exportSite } from './safir-export.js';

/**
 * `safir backup DIR` while the site serves: one consistent snapshot of the
 * database (SQLite: `VACUUM INTO`; PostgreSQL: a Safir export read in one
 * repeatable-read transaction), then every media file from the store (the
 * local folder or the S3 bucket) into DIR/media. Media files never change
 * once written, so copying them after the snapshot loses nothing the snapshot
 * names (an image deleted in between is the one exception).
 */
export async function backup(
  database: Database,
  media: MediaStore,
  dir: string,
): Promise<{ database: string; started: string; mediaFiles: number }> {
  const target = resolve(dir);
  await mkdir(target, { recursive: true });
  const started = new Date().toISOString();
  let file: string;
  if (database.dialect === 'sqlite') {
    file = join(target, 'safir.db');
    if (existsSync(file)) throw new Error(`${file} exists; back up into an empty folder`);
    await snapshotSqlite(database, file);
  } else {
    file = join(target, 'safir-export.json');
    await database.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute((trx) => exportSite(trx, file, { withPasswords: true }).then(() => undefined));
  }
  let mediaFiles = 0;
  for await (const path of media.list()) {
    const stored = await media.get(path);
    if (!stored) continue; // deleted since it was listed
    const out = join(target, 'media', ...path.split('/'));
    await mkdir(dirname(out), { recursive: true });
    await pipeline(stored.body, createWriteStream(out));
    mediaFiles++;
  }
  await writeFile(
    join(target, 'RESTORE.txt'),
    (database.dialect === 'sqlite'
      ? `Safir backup taken ${started}.\nRestore: stop Safir, put safir.db where DATABASE_URL points (default data/safir.db), then\n`
      : `Safir backup taken ${started}.\nRestore: DATABASE_URL=postgres://…/empty_db npx safir import safir safir-export.json, then\n`) +
      `  npx safir media restore media/   (puts every file into the media store: MEDIA_DIR, or MEDIA_STORE=s3://…)\n`,
  );
  return { database: file, started, mediaFiles };
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
  let restored = 0;
  let present = 0;
  const skipped: string[] = [];
  // The backup's folder read as a local store: regular files only (no links), as relative paths.
  for await (const path of new LocalMediaStore(root).list()) {
    // A name Safir could have made, of a kind it stores; anything else is reported, not copied.
    const type = mediaTypeOf(path);
    if (!isSafeMediaPath(path) || !type) {
      skipped.push(path);
      continue;
    }
    if ((await media.size(path)) !== undefined) {
      present++;
      continue;
    }
    await media.put(path, await readFile(join(root, path)), type);
    restored++;
  }
  return { restored, present, skipped };
}
