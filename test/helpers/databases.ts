import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database.js';
import type { Dialect } from '../../src/db/dialect.js';
import { migrateToLatest } from '../../src/db/migrator.js';

/** The PostgreSQL server tests create their databases on (trust auth on loopback). */
export const PG_ADMIN_URL = process.env.SAFIR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

export interface TestDatabase extends Database {
  /** A folder of its own for media files and the SQLite file. */
  dir: string;
  /** The URL another process (a CLI run, a second app node) would use to open the same database. */
  url: string;
  drop(): Promise<void>;
}

let counter = 0;

/**
 * A new, empty, migrated database of the given dialect: a SQLite file in a
 * temporary folder, or a fresh PostgreSQL database dropped afterwards.
 */
export async function createTestDatabase(
  dialect: Dialect,
  /** `under`: the folder to make the site's own folder in (a small filesystem, say); default the system's temp. */
  opts: { migrate?: boolean; under?: string } = {},
): Promise<TestDatabase> {
  const dir = mkdtempSync(join(opts.under ?? tmpdir(), 'safir-test-'));
  let url: string;
  let cleanup: () => Promise<void>;
  if (dialect === 'sqlite') {
    url = join(dir, 'safir.db');
    cleanup = async () => {};
  } else {
    const name = `safir_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${name}`;
    url = u.toString();
    cleanup = async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const database = openDatabase(url);
  if (opts.migrate !== false) await migrateToLatest(database.db, database.dialect);
  let dropped = false;
  return {
    ...database,
    dir,
    url,
    async drop() {
      if (dropped) return;
      dropped = true;
      await database.close();
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
