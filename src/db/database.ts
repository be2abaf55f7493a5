import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type SqliteDatabase,
} from 'kysely';
import pg from 'pg';
import type { Dialect } from './dialect.js';
import { createPostgresPool } from './postgres-pool.js';
import type { Schema } from './schema.js';

export type DB = Kysely<Schema>;

export interface Database {
  readonly db: DB;
  readonly dialect: Dialect;
  /** Where the data lives, for logs: a file path or the PostgreSQL URL without its password. */
  readonly location: string;
  /** What opens it again (another process: a backup): the SQLite file path or the full PostgreSQL URL. */
  readonly url: string;
  /**
   * PostgreSQL only: calls `onWake` whenever a transaction that wrote to the outbox commits (LISTEN/NOTIFY on a
   * connection of its own, reopened if it drops), so followers need not wait for their next poll.
   */
  listenForEvents?(onWake: () => void): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

/** The channel outbox writes notify on PostgreSQL (see dialect.ts `notifyOutbox`). */
export const EVENTS_CHANNEL = 'safir_events';

export const DEFAULT_SQLITE_FILE = 'data/safir.db';

export interface OpenOptions {
  /**
   * PostgreSQL: the longest to wait for a connection or a statement (see postgres-pool.ts); the server passes
   * `DB_TIMEOUT_SECONDS`, command-line jobs none. SQLite waits for another process's lock 5 s at most anyway.
   */
  timeoutMs?: number;
}

/**
 * Opens the database named by `url`: `postgres://…` for PostgreSQL, otherwise
 * a SQLite file path (`sqlite:path` or a bare path; default `data/safir.db`).
 */
export function openDatabase(url: string | undefined, options: OpenOptions = {}): Database {
  if (url && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
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
  // No busy timeout: waiting for another process's lock is done without blocking (ImmediateSqliteDialect).
  sqlite.pragma('busy_timeout = 0');
  const db = new Kysely<Schema>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    dialect: 'sqlite',
    location: path,
    url: path,
    close: () => db.destroy(),
  };
}

/**
 * SQLite for several processes (workers, the CLI) on one file:
 *
 * - Transactions begin IMMEDIATE. Ours write; begun deferred, they would read first and ask for the write
 *   lock later, and if another process wrote meanwhile SQLite cannot wait its way out (SQLITE_BUSY).
 * - Waiting for another process's write lock happens here, asynchronously. SQLite's own busy handler
 *   sleeps inside the call, and better-sqlite3 runs on the event loop: a worker whose view-count flush
 *   waited for the other worker's transaction stopped answering every reader for that long (stalls of
 *   0.2–0.6 s measured under load). So the file is opened without a busy timeout, and a statement that
 *   finds the database locked is tried again after a timer, for up to BUSY_WAIT_MS. A statement refused
 *   with SQLITE_BUSY did nothing, so trying it again is safe, inside a transaction or not.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    // SQLite rolls a transaction back by itself on some errors (a full disk: SQLITE_FULL); the rollback that
    // follows would then fail and hide the error that matters.
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      await rollback(connection).catch((err: unknown) => {
        if (!/no transaction is active/.test((err as Error).message)) throw err;
      });
    };
    const acquire = driver.acquireConnection.bind(driver);
    const patched = new WeakSet<DatabaseConnection>();
    driver.acquireConnection = async () => {
      const connection = await acquire();
      if (!patched.has(connection)) {
        patched.add(connection);
        const execute = connection.executeQuery.bind(connection);
        connection.executeQuery = <R>(query: CompiledQuery) => waitWhileBusy(() => execute<R>(query));
      }
      return connection;
    };
    return driver;
  }
}

const BUSY_WAIT_MS = 5000;

async function waitWhileBusy<T>(run: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (let pause = 1; ; pause = Math.min(pause * 2, 25)) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
    }
  }
}

/**
 * Kysely prepares every query anew; preparing costs more than running a
 * typical indexed read here. Reusing statements by SQL text (bounded, least
 * recently used out) takes that cost off every repeated query.
 */
function withStatementCache(sqlite: BetterSqlite3.Database, max = 500): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = statements.get(sql);
      if (stmt) {
        statements.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (statements.size >= max) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, stmt);
      return stmt;
    },
  };
}

// PostgreSQL answers COUNT(*) and other int8 values as strings; ours fit in a JS number.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

function openPostgres(url: string, options: OpenOptions): Database {
  const { app: pool } = createPostgresPool(url, {
    max: Number(process.env.PG_POOL_SIZE ?? 10),
    timeoutMs: options.timeoutMs,
  });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    url,
    location: url.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@'),
    listenForEvents: (onWake) => listen(url, onWake, options.timeoutMs),
    close: () => db.destroy(),
  };
}

async function listen(
  url: string,
  onWake: () => void,
  timeoutMs: number | undefined,
): Promise<{ stop(): Promise<void> }> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: timeoutMs });
    c.on('notification', () => onWake());
    const again = () => {
      if (client !== c || stopped) return;
      client = undefined;
      // Reconnect, and wake the follower: notifications sent while disconnected were lost, polling covers them.
      retry = setTimeout(() => void connect().catch(again), 1000);
      retry.unref();
      onWake();
    };
    c.on('error', again);
    c.on('end', again);
    client = c;
    await c.connect();
    await c.query(`LISTEN ${EVENTS_CHANNEL}`);
  };
  await connect();
  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
