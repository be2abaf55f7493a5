import { createHmac, randomBytes } from 'node:crypto';
import type { DB } from '../db/database.js';

/**
 * A random key made on first use and kept in the database, so that every app
 * node shares it: it keys the hashes of IP addresses (throttling, later
 * comment rate limits) and signs form tokens. It is never shown anywhere.
 */
const KEY = 'server_secret';

export async function serverSecret(db: DB): Promise<Buffer> {
  const candidate = JSON.stringify(randomBytes(32).toString('base64url'));
  await db
    .insertInto('settings')
    .values({ key: KEY, value: candidate })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', KEY).executeTakeFirstOrThrow();
  return Buffer.from(JSON.parse(row.value) as string, 'base64url');
}

/** A keyed hash (HMAC-SHA-256, truncated) of a value that must not be stored as is, such as an IP address. */
export function keyedHash(secret: Buffer, purpose: string, value: string): string {
  return createHmac('sha256', secret).update(`${purpose}\0${value}`).digest('base64url').slice(0, 32);
}
