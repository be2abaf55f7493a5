import { cp, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from '../db/database.js';
import { snapshotSqlite } from '../db/maintenance.js';
import { exportSite } from './safir-export.js';

/**
 * `safir backup DIR` while the site serves: one consistent snapshot of the
 * database (SQLite: `VACUUM INTO`; PostgreSQL: a Safir export read in one
 * repeatable-read transaction), then the media folder. Media files never
 * change once written, so copying them after the snapshot loses nothing the
 * snapshot names (an image deleted in between is the one exception).
 */
export async function backup(
  database: Database,
  mediaRoot: string,
  dir: string,
): Promise<{ database: string; started: string }> {
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
  if (existsSync(mediaRoot)) await cp(mediaRoot, join(target, 'media'), { recursive: true });
  await writeFile(
    join(target, 'RESTORE.txt'),
    database.dialect === 'sqlite'
      ? `Safir backup taken ${started}.\nRestore: stop Safir, put safir.db where DATABASE_URL points (default data/safir.db) and media/ as MEDIA_DIR (default data/media), start Safir.\n`
      : `Safir backup taken ${started}.\nRestore: DATABASE_URL=postgres://…/empty_db npx safir import safir safir-export.json, and media/ as MEDIA_DIR.\n`,
  );
  return { database: file, started };
}
