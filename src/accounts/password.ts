import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt (memory-hard, in `node:crypto`). Parameters are
 * stored with each hash so they can be raised later without breaking old
 * accounts: `scrypt$N$r$p$salt$hash`, salt and hash in base64url.
 * N = 2^15, r = 8 takes 32 MiB and ~60 ms per hash on this class of machine.
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A hash of a random password, verified against when an email has no account,
 * so that a sign-in takes as long whether or not the address exists.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  return (decoy ??= hashPassword(randomBytes(24).toString('base64url')));
}

/** Null when acceptable, else why not (for the form). */
export function passwordProblem(password: string): { ar: string; en: string } | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH)
    return {
      ar: `كلمة المرور قصيرة: ${MIN_PASSWORD_LENGTH} أحرف على الأقل.`,
      en: `The password is too short: at least ${MIN_PASSWORD_LENGTH} characters.`,
    };
  if (length > MAX_PASSWORD_LENGTH) return { ar: 'كلمة المرور طويلة جداً.', en: 'The password is too long.' };
  return null;
}
