import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The last TOTP time step each account used, so a code accepted once is
 * refused the second time (RFC 6238 §5.2). On PostgreSQL, `safir_instant`
 * reads a stored time or gives NULL: a cast of a bad value written straight
 * into the table would otherwise fail the whole query (SQLite's julianday()
 * already gives NULL).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema.alterTable('users').addColumn('totp_last_step', 'integer').execute();
  if (dialect === 'postgres')
    await sql`CREATE FUNCTION safir_instant(value text) RETURNS timestamptz
      LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
      BEGIN RETURN value::timestamptz; EXCEPTION WHEN others THEN RETURN NULL; END $$`.execute(db);
}
