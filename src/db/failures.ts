/**
 * What a database error means for the request that met it, whatever the engine:
 * - `unavailable`: the database cannot be reached or did not answer in time (down, restarting, frozen, locked
 *   too long). Readers get a cached page or a 503 with Retry-After; nothing was written.
 * - `full`: the disk under the database is full. Writes are refused with a 507 and a message; nothing was written
 *   (the statement failed inside its transaction).
 * Anything else is a fault of ours (a 500).
 */
export type DatabaseFailure = 'unavailable' | 'full';

/** Socket-level errors: the connection was refused, cut, or never answered. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01–57P03 (shutting down, starting up),
 * 57014 (statement_timeout), 53300 (too many connections).
 */
const PG_UNAVAILABLE = /^(08...|57P0[123]|57014|53300)$/;

/** The messages node-postgres gives its own failures (they carry no code). */
const PG_CLIENT_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error|Client was closed/i;

/** Errors that came out of the database layer (the PostgreSQL pool marks its own): only those say "database". */
const fromDatabase = new WeakSet<object>();

export function markFromDatabase<E>(err: E): E {
  if (err && typeof err === 'object') fromDatabase.add(err);
  return err;
}

export function databaseFailure(err: unknown): DatabaseFailure | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const code = String((err as { code?: unknown }).code ?? '');
  // A full disk is one, whatever was writing to it (the database, or a media file).
  if (code === 'SQLITE_FULL' || code === '53100' || code === 'ENOSPC') return 'full';
  // A socket refused or cut elsewhere (S3, SMTP, a purge) is that service's failure, not the database's.
  if (!fromDatabase.has(err) && !code.startsWith('SQLITE_')) return undefined;
  return classify(err, code);
}

/** What a database error means, for an error known to come from the database. */
function classify(err: object, code: string): DatabaseFailure | undefined {
  if (NETWORK_CODES.has(code) || PG_UNAVAILABLE.test(code)) return 'unavailable';
  // SQLite: another process held the lock past our wait, or the file cannot be read.
  if (/^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|PROTOCOL)/.test(code)) return 'unavailable';
  if (!code && err instanceof Error && PG_CLIENT_MESSAGES.test(err.message)) return 'unavailable';
  return undefined;
}

/** The connection the error came from cannot be trusted with another statement: close it. */
export function connectionIsBroken(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = String((err as { code?: unknown }).code ?? '');
  if (code === '57014' || code === '53300') return false; // a cancelled statement leaves a working connection
  return classify(err, code) === 'unavailable';
}

/** The connection was cut (a restart, a failover, a dropped socket): a new one may well work at once. */
export function connectionWasCut(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = String((err as { code?: unknown }).code ?? '');
  if (['ECONNRESET', 'EPIPE'].includes(code) || /^(08...|57P0[123])$/.test(code)) return true;
  return !code && err instanceof Error && /Connection terminated/i.test(err.message);
}
