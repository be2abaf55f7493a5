import { recountLists } from '../content/list-stats.js';
import { writeTransaction } from '../db/transaction.js';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DB } from '../db/database.js';
import type { Role, SessionRow, UserRow } from '../db/schema.js';
import { slugify, uniqueSlug } from '../content/slug.js';
import { emit } from '../events/outbox.js';
import { CacheKeys } from '../delivery/cache-keys.js';
import { AppError, badRequest } from '../shared/errors.js';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from './password.js';
import { isRole } from './roles.js';
import { keyedHash } from './secret.js';
import { acceptedTotpStep } from './totp.js';
import type { LimitRule, LimitStore } from '../limits/limit-store.js';
import { DatabaseLimitStore } from '../limits/database-limit-store.js';

/** Sign-in throttling: an account locks after this many failures in a row, for LOCK_MS. */
export const ACCOUNT_FAILURE_LIMIT = 20;
export const ACCOUNT_LOCK_MS = 15 * 60_000;
/** One address (a newsroom may share one) gets this many failures per window before it is refused. */
export const IP_FAILURE_LIMIT = 100;
export const IP_WINDOW_MS = 15 * 60_000;
export const SESSION_MS = 14 * 24 * 3600_000;
const ACCOUNT_RULE: LimitRule = { limit: ACCOUNT_FAILURE_LIMIT, windowMs: Infinity, lockMs: ACCOUNT_LOCK_MS };
const IP_RULE: LimitRule = { limit: IP_FAILURE_LIMIT, windowMs: IP_WINDOW_MS, lockMs: IP_WINDOW_MS };
const TOTP_RULE: LimitRule = { limit: 10, windowMs: Infinity, lockMs: ACCOUNT_LOCK_MS };
export const RESET_MS = 60 * 60_000;

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

export type SignInResult =
  { ok: true; user: UserRow; needsSecondFactor: boolean } | { ok: false; reason: 'invalid' | 'locked' };

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  password: string;
  locale?: 'ar' | 'en';
}

const sha256 = (token: string) => createHash('sha256').update(token).digest('base64url');

export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

/**
 * Accounts, sessions, sign-in throttling and password resets. Sessions live
 * in the database (several app nodes share them); the cookie carries a random
 * token of which only the SHA-256 is stored.
 */
export class AccountService {
  constructor(
    private readonly db: DB,
    private readonly secret: Buffer,
    private readonly now: () => number = Date.now,
    private readonly limits: LimitStore = new DatabaseLimitStore(db, now),
  ) {}

  private iso(offsetMs = 0): string {
    return new Date(this.now() + offsetMs).toISOString();
  }

  // ---- users ----

  validateNewUser(input: Partial<NewUser>): NewUser {
    const email = normalizeEmail(input.email ?? '');
    if (!EMAIL.test(email) || email.length > 254)
      throw badRequest('email', 'البريد الإلكتروني غير صالح.', 'The email address is not valid.');
    const name = (input.name ?? '').trim();
    if (!name || [...name].length > 120)
      throw badRequest('name', 'الاسم مطلوب (120 حرفاً على الأكثر).', 'A name is required (at most 120 characters).');
    if (!isRole(input.role)) throw badRequest('role', 'الدور غير معروف.', 'Unknown role.');
    const problem = passwordProblem(input.password ?? '');
    if (problem) throw badRequest('password', problem.ar, problem.en);
    return { email, name, role: input.role, password: input.password!, locale: input.locale === 'en' ? 'en' : 'ar' };
  }

  async createUser(input: Partial<NewUser>): Promise<UserRow> {
    const user = this.validateNewUser(input);
    const hash = await hashPassword(user.password);
    return writeTransaction(this.db, async (trx) => {
      const taken = await trx.selectFrom('users').select('id').where('email', '=', user.email).executeTakeFirst();
      if (taken)
        throw new AppError('EMAIL_TAKEN', 409, 'يوجد حساب بهذا البريد.', 'An account with this email exists.', 'email');
      const slug = await uniqueSlug(slugify(user.name) || 'author', async (s) =>
        Boolean(await trx.selectFrom('authors').select('id').where('slug', '=', s).executeTakeFirst()),
      );
      const now = this.iso();
      const author = await trx
        .insertInto('authors')
        .values({ slug, name: user.name, bio: '', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      return trx
        .insertInto('users')
        .values({
          email: user.email,
          name: user.name,
          role: user.role,
          password_hash: hash,
          author_id: author.id,
          locale: user.locale ?? 'ar',
          totp_secret: null,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  userById(id: number): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  userByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
  }

  listUsers(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('id').execute();
  }

  async updateUser(id: number, changes: { name?: string; role?: Role; locale?: 'ar' | 'en' }): Promise<void> {
    if (changes.role !== undefined && !isRole(changes.role))
      throw badRequest('role', 'الدور غير معروف.', 'Unknown role.');
    if (changes.role && changes.role !== 'administrator') await this.keepOneAdministrator(id);
    await this.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('users').select('role').where('id', '=', id).executeTakeFirst();
      await trx
        .updateTable('users')
        .set({ ...changes, updated_at: this.iso() })
        .where('id', '=', id)
        .execute();
      // A change of role ends the person's sessions: the next sign-in starts a new one with the new rights.
      if (changes.role && before && before.role !== changes.role)
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
    });
  }

  async deleteUser(id: number, reassignToAuthorId: number): Promise<void> {
    await this.keepOneAdministrator(id);
    await this.db.transaction().execute(async (trx) => {
      const user = await trx.selectFrom('users').select('author_id').where('id', '=', id).executeTakeFirst();
      if (!user) return;
      await trx
        .updateTable('articles')
        .set({ author_id: reassignToAuthorId })
        .where('author_id', '=', user.author_id)
        .execute();
      await trx.deleteFrom('users').where('id', '=', id).execute();
      // The public profile goes too, unless someone else is credited under it.
      const shared = await trx
        .selectFrom('users')
        .select('id')
        .where('author_id', '=', user.author_id)
        .executeTakeFirst();
      if (!shared && user.author_id !== reassignToAuthorId)
        await trx.deleteFrom('authors').where('id', '=', user.author_id).execute();
      await recountLists(trx, 'author', [user.author_id, reassignToAuthorId]);
      // Their articles now show another author: anything may read differently.
      await emit(trx, { type: 'site.changed', keys: [CacheKeys.site] });
    });
  }

  private async keepOneAdministrator(changingId: number): Promise<void> {
    const admins = await this.db.selectFrom('users').select('id').where('role', '=', 'administrator').execute();
    if (admins.length === 1 && admins[0]!.id === changingId)
      throw new AppError(
        'LAST_ADMINISTRATOR',
        409,
        'لا بد من بقاء مدير واحد على الأقل.',
        'At least one administrator must remain.',
        'role',
      );
  }

  async setPassword(userId: number, password: string): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw badRequest('password', problem.ar, problem.en);
    const hash = await hashPassword(password);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ password_hash: hash, updated_at: this.iso() })
        .where('id', '=', userId)
        .execute();
      // A new password ends every session: whoever knew the old one is signed out.
      await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    });
  }

  /**
   * Turns two-factor sign-in on with `secret` once `code` proves the app has it
   * (that code is then spent), or off with null. False when the code is wrong.
   */
  async setTotpSecret(userId: number, secret: string | null, code = ''): Promise<boolean> {
    const step = secret ? acceptedTotpStep(secret, code, this.now()) : null;
    if (secret && step === undefined) return false;
    await this.db
      .updateTable('users')
      .set({ totp_secret: secret, totp_last_step: step, updated_at: this.iso() })
      .where('id', '=', userId)
      .execute();
    return true;
  }

  /**
   * Accepts a second-factor code once: the code's time step must be later
   * than the last one this account used, and recording it is one conditional
   * UPDATE, so two requests racing with the same code cannot both pass.
   */
  async acceptTotp(user: UserRow, code: string): Promise<boolean> {
    if (!user.totp_secret) return false;
    const step = acceptedTotpStep(user.totp_secret, code, this.now(), user.totp_last_step ?? undefined);
    if (step === undefined) return false;
    const spent = await this.db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', user.id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return Number(spent.numUpdatedRows) === 1;
  }

  // ---- sign-in ----

  ipKey(ip: string): string {
    return `ip:${keyedHash(this.secret, 'ip', ip)}`;
  }

  /**
   * Checks a password, with throttling per account (failures in a row) and per
   * address. Unknown emails cost one scrypt like known ones and are throttled
   * alike, so neither the answer nor its timing tells whether an address has an
   * account. Every refused attempt is counted, atomically in the shared store,
   * so parallel guesses from any number of processes count one each.
   */
  async signIn(email: string, password: string, ip: string): Promise<SignInResult> {
    const accountKey = `account:${normalizeEmail(email)}`;
    const ipKey = this.ipKey(ip);
    // Every attempt is counted before the password is checked, and refused if that puts it over a limit: however
    // many arrive at once, at most the limit's worth are ever checked. A right password takes its count back.
    // The address is counted first, so a locked address adds no rows for the emails it tries.
    const byAddress = await this.limits.hit(ipKey, IP_RULE);
    if (byAddress.count > IP_RULE.limit) return { ok: false, reason: 'locked' };
    const byAccount = await this.limits.hit(accountKey, ACCOUNT_RULE);
    if (byAccount.count > ACCOUNT_RULE.limit) return { ok: false, reason: 'locked' };
    const user = await this.userByEmail(email);
    const ok = await verifyPassword(password.slice(0, 1024), user?.password_hash ?? (await decoyHash()));
    if (!ok || !user) return { ok: false, reason: 'invalid' };
    await Promise.all([this.limits.reset(accountKey), this.limits.forgive(ipKey)]);
    return { ok: true, user, needsSecondFactor: Boolean(user.totp_secret) };
  }

  /** Forgets throttle counters nobody has added to for a day (the site jobs call it). */
  pruneThrottles(): Promise<number> {
    return this.limits.prune(24 * 3600_000);
  }

  // ---- sessions ----

  async createSession(
    userId: number,
    userAgent: string,
    verified = true,
  ): Promise<{ token: string; session: SessionRow }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.iso();
    const session = await this.db
      .insertInto('sessions')
      .values({
        id: sha256(token),
        user_id: userId,
        csrf_token: randomBytes(24).toString('base64url'),
        verified: verified ? 1 : 0,
        created_at: now,
        last_seen_at: now,
        expires_at: this.iso(verified ? SESSION_MS : 10 * 60_000),
        user_agent: userAgent.slice(0, 300),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { token, session };
  }

  /** The live session and its user for a cookie token; sliding expiry, refreshed at most every five minutes. */
  async sessionByToken(token: string): Promise<{ session: SessionRow; user: UserRow } | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const session = await this.db.selectFrom('sessions').selectAll().where('id', '=', sha256(token)).executeTakeFirst();
    if (!session || session.expires_at <= this.iso()) return undefined;
    const user = await this.userById(session.user_id);
    if (!user) return undefined;
    if (session.verified && Date.parse(session.last_seen_at) + 5 * 60_000 < this.now()) {
      await this.db
        .updateTable('sessions')
        .set({ last_seen_at: this.iso(), expires_at: this.iso(SESSION_MS) })
        .where('id', '=', session.id)
        .execute();
    }
    return { session, user };
  }

  /** Completes a two-factor sign-in: a fresh, verified session replaces the half-open one. */
  async verifySecondFactor(token: string, code: string): Promise<{ token: string; session: SessionRow } | null> {
    const found = await this.sessionByToken(token);
    if (!found || found.session.verified || !found.user.totp_secret) return null;
    // Counted first, like passwords: parallel guesses cannot outrun the limit.
    const key = `totp:${found.user.id}`;
    if ((await this.limits.hit(key, TOTP_RULE)).count > TOTP_RULE.limit) return null;
    if (!(await this.acceptTotp(found.user, code))) return null;
    await this.limits.reset(key);
    await this.endSession(token);
    return this.createSession(found.user.id, found.session.user_agent, true);
  }

  async endSession(token: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', sha256(token)).execute();
  }

  async endAllSessions(userId: number): Promise<number> {
    const r = await this.db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async purgeExpired(): Promise<void> {
    const now = this.iso();
    await this.db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
    await this.db.deleteFrom('password_resets').where('expires_at', '<=', now).execute();
  }

  // ---- password reset ----

  /** A one-time reset token for the account, valid for an hour. */
  async createResetToken(userId: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.db
      .insertInto('password_resets')
      .values({
        token_hash: sha256(token),
        user_id: userId,
        created_at: this.iso(),
        expires_at: this.iso(RESET_MS),
        used_at: null,
      })
      .execute();
    return token;
  }

  /** At most one reset mail per account every five minutes, so the form cannot flood a mailbox. */
  async mayRequestReset(userId: number): Promise<boolean> {
    const recent = await this.db
      .selectFrom('password_resets')
      .select('token_hash')
      .where('user_id', '=', userId)
      .where('created_at', '>', this.iso(-5 * 60_000))
      .executeTakeFirst();
    return !recent;
  }

  async resetTokenUser(token: string): Promise<UserRow | undefined> {
    const row = await this.db
      .selectFrom('password_resets')
      .selectAll()
      .where('token_hash', '=', sha256(token))
      .executeTakeFirst();
    if (!row || row.used_at || row.expires_at <= this.iso()) return undefined;
    return this.userById(row.user_id);
  }

  /** Sets the new password and spends the token; a token works once. */
  async resetPassword(token: string, password: string): Promise<UserRow> {
    const problem = passwordProblem(password);
    if (problem) throw badRequest('password', problem.ar, problem.en);
    const spent = await this.db
      .updateTable('password_resets')
      .set({ used_at: this.iso() })
      .where('token_hash', '=', sha256(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', this.iso())
      .returning('user_id')
      .executeTakeFirst();
    if (!spent)
      throw new AppError(
        'RESET_LINK_INVALID',
        400,
        'رابط إعادة التعيين غير صالح أو انتهت صلاحيته.',
        'The reset link is invalid or has expired.',
      );
    await this.setPassword(spent.user_id, password);
    const user = (await this.userById(spent.user_id))!;
    await this.limits.reset(`account:${user.email}`);
    return user;
  }
}

/** Constant-time string comparison for tokens. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
