import { createHash } from 'node:crypto';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';
import { connectionIsBroken, connectionWasCut, markFromDatabase } from './failures.js';

/** Distinct statements a connection prepares at most; further ones run unnamed (each planned anew). */
const PREPARED_PER_CONNECTION = 500;
/** A read that met a dropped connection waits this long, then runs once more on a new one. */
const READ_RETRY_PAUSE_MS = 250;

export interface PostgresPoolOptions {
  /**
   * The longest the app waits for PostgreSQL: for a connection, and for one statement (enforced by the server
   * with `statement_timeout`, and by the client too, for a server that stopped answering altogether).
   * Undefined: no limit (command-line jobs: migrations, imports and reindexing may rightly run for minutes).
   */
  timeoutMs?: number;
  max?: number;
}

/**
 * The pool Kysely uses on PostgreSQL, around node-postgres's, adding what a server under faults needs:
 * - **Timeouts** (see `timeoutMs`); a transaction left idle is ended by the server after twice that.
 * - **A broken connection is closed**, not handed to the next request (a timed-out statement may still be
 *   queued on it).
 * - **A read is retried once** on a new connection when its connection was cut (a restart, a failover), unless it
 *   ran inside a transaction, whose earlier statements are gone with the connection.
 * - **Named prepared statements**: PostgreSQL parses a statement once per connection and, after a few runs,
 *   keeps a generic plan. Planning the five-table joins of an article page cost more than running them
 *   (measured ~2.2 ms of ~2.7 ms). Bounded per connection, since lists of ids make new texts. A schema change
 *   under a running node (a newer node migrating) can invalidate a kept plan ("cached plan must not change
 *   result type"): that statement runs once more unnamed, and the connection's names start afresh.
 */
export function createPostgresPool(
  url: string,
  options: PostgresPoolOptions = {},
): { pool: pg.Pool; app: PostgresPool } {
  const timeoutMs = options.timeoutMs;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    keepAlive: true,
    ...(timeoutMs
      ? {
          connectionTimeoutMillis: timeoutMs,
          statement_timeout: timeoutMs,
          query_timeout: timeoutMs + 1000,
          idle_in_transaction_session_timeout: timeoutMs * 2,
        }
      : {}),
  });
  // An idle connection can be cut by the server (restart, failover, a dropped database). Without a listener that
  // error would crash the process; the pool drops the client and the next query opens a new one.
  pool.on('error', () => {});
  return {
    pool,
    app: {
      connect: async () =>
        new AppClient(pool, await pool.connect().catch((err: unknown) => Promise.reject(markFromDatabase(err)))),
      end: () => pool.end(),
    },
  };
}

const statementNames = new WeakMap<pg.PoolClient, { names: Map<string, string>; generation: number }>();

class AppClient implements PostgresPoolClient {
  private inTransaction = false;
  /** Why the current connection must not go back to the pool. */
  private broken: Error | undefined;
  private client: pg.PoolClient | undefined;

  /** A connection cut while checked out (between statements) says so as an event; unheard, it would crash us. */
  private readonly onConnectionError = (err: Error) => {
    this.broken = err;
  };

  constructor(
    private readonly pool: pg.Pool,
    client: pg.PoolClient,
  ) {
    this.hold(client);
  }

  private hold(client: pg.PoolClient): void {
    this.client = client;
    client.on('error', this.onConnectionError);
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    what: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof what !== 'string') return this.current().query(what as never) as unknown as PostgresCursor<R>;
    return this.run<R>(what, [...(parameters ?? [])]);
  }

  release(destroy?: boolean): void {
    const client = this.client;
    this.client = undefined;
    client?.off('error', this.onConnectionError);
    client?.release(this.broken ?? destroy);
  }

  /** Closes the broken connection and takes a new one from the pool. */
  private async replaceConnection(): Promise<void> {
    this.release();
    this.broken = undefined;
    this.hold(await this.pool.connect());
  }

  private current(): pg.PoolClient {
    if (!this.client) throw new Error('PostgreSQL connection already released');
    return this.client;
  }

  private async run<R>(text: string, values: unknown[]): Promise<PostgresQueryResult<R>> {
    try {
      return await this.runOnce<R>(text, values);
    } catch (err) {
      throw markFromDatabase(err);
    }
  }

  private async runOnce<R>(text: string, values: unknown[]): Promise<PostgresQueryResult<R>> {
    const verb = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase();
    // A connection already known broken (a statement on it timed out, say) takes nothing more: a rollback would
    // queue behind the hung statement for another timeout.
    if (this.broken) {
      if (this.inTransaction || verb !== 'select' || !connectionWasCut(this.broken)) throw this.broken;
      await this.replaceConnection();
    }
    if (verb === 'begin' || verb === 'start') this.inTransaction = true;
    try {
      return await runNamed<R>(this.current(), text, values, this.inTransaction);
    } catch (err) {
      if (!connectionIsBroken(err)) throw err;
      this.broken = err as Error;
      // Only a read outside a transaction, and only when the connection was cut (a restart): a server that
      // does not answer would only be waited for again.
      if (this.inTransaction || verb !== 'select' || !connectionWasCut(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, READ_RETRY_PAUSE_MS));
      await this.replaceConnection();
      try {
        return await runNamed<R>(this.current(), text, values, false);
      } catch (again) {
        if (connectionIsBroken(again)) this.broken = again as Error;
        throw again;
      }
    } finally {
      if (verb === 'commit' || verb === 'rollback') this.inTransaction = false;
    }
  }
}

async function runNamed<R>(
  client: pg.PoolClient,
  text: string,
  values: unknown[],
  inTransaction: boolean,
): Promise<PostgresQueryResult<R>> {
  if (!/^(select|insert|update|delete|with)\b/.test(text))
    return client.query(text, values) as unknown as Promise<PostgresQueryResult<R>>;
  let prepared = statementNames.get(client);
  if (!prepared) statementNames.set(client, (prepared = { names: new Map(), generation: 0 }));
  let name = prepared.names.get(text);
  if (!name && prepared.names.size < PREPARED_PER_CONNECTION) {
    name = `s${prepared.generation}_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    prepared.names.set(text, name);
  }
  if (!name) return client.query(text, values) as unknown as Promise<PostgresQueryResult<R>>;
  try {
    return (await client.query({ name, text, values })) as unknown as PostgresQueryResult<R>;
  } catch (err) {
    if ((err as { code?: string }).code !== '0A000') throw err;
    prepared.names.clear();
    prepared.generation++;
    // Inside a transaction the failed statement has aborted it: the error to report is this one.
    if (inTransaction) throw err;
    return client.query(text, values) as unknown as Promise<PostgresQueryResult<R>>;
  }
}
