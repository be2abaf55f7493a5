import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Dialect } from './dialect.js';
import type { Schema } from './schema.js';

export type DB = Kysely<Schema>;

export interface Database {
  readonly db: DB;
  readonly dialect: Dialect;
  /** Where the data lives, for logs: a file path or the PostgreSQL URL without its password. */
  readonly location: string;
  close(): Promise<void>;
}

export const DEFAULT_SQLITE_FILE = 'data/safir.db';

/**
 * Opens the database named by `url`: `postgres://…` for PostgreSQL, otherwise
 * a SQLite file path (`sqlite:path` or a bare path; default `data/safir.db`).
 */
export function openDatabase(url: string | undefined): Database {
  if (url && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url);
  const file = url ? url.replace(/^sqlite:(\/\/)?/, '') : DEFAULT_SQLITE_FILE;
  return openSqlite(file);
}

function openSqlite(file: string): Database {
  const path = file === ':memory:' ? file : resolve(file);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect: 'sqlite',
    location: path,
    close: () => db.destroy(),
  };
}

// PostgreSQL answers COUNT(*) and other int8 values as strings; ours fit in a JS number.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: Number(process.env.PG_POOL_SIZE ?? 10) });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    location: url.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@'),
    close: () => db.destroy(),
  };
}
