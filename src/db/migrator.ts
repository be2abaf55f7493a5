import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Dialect } from './dialect.js';
import * as m001 from './migrations/001-content.js';
import * as m002 from './migrations/002-search.js';
import * as m003 from './migrations/003-newsroom.js';
import * as m004 from './migrations/004-search-cover.js';
import * as m005 from './migrations/005-search-postings.js';
import * as m006 from './migrations/006-comments.js';
import * as m007 from './migrations/007-import-keys.js';
import * as m008 from './migrations/008-security.js';
import * as m009 from './migrations/009-outbox.js';
import * as m010 from './migrations/010-sitemap-pages.js';
import * as m011 from './migrations/011-list-stats.js';
import * as m012 from './migrations/012-event-followers.js';
import * as m013 from './migrations/013-article-passwords.js';
import * as m014 from './migrations/014-import-records.js';

interface DialectMigration {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

/** Migrations in order. Add a file in `migrations/` and list it here; never edit one that has shipped. */
const MIGRATIONS: Record<string, DialectMigration> = {
  '001-content': m001,
  '002-search': m002,
  '003-newsroom': m003,
  '004-search-cover': m004,
  '005-search-postings': m005,
  '006-comments': m006,
  '007-import-keys': m007,
  '008-security': m008,
  '009-outbox': m009,
  '010-sitemap-pages': m010,
  '011-list-stats': m011,
  '012-event-followers': m012,
  '013-article-passwords': m013,
  '014-import-records': m014,
};

class InCodeProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, mig] of Object.entries(MIGRATIONS)) {
      out[name] = { up: (db) => mig.up(db, this.dialect) };
    }
    return out;
  }
}

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: new InCodeProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** The migrations this code knows that the database has not run (empty: the schema is current). */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const done = await db.selectFrom('kysely_migration').select('name').execute();
  const ran = new Set(done.map((r: { name: string }) => r.name));
  return Object.keys(MIGRATIONS).filter((name) => !ran.has(name));
}
