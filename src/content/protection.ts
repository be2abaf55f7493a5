import { timingSafeEqual } from 'node:crypto';
import { cookieFrom } from '../accounts/http.js';
import { keyedHash } from '../accounts/secret.js';
import { hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from '../accounts/password.js';
import type { DB } from '../db/database.js';
import type { LimitRule, LimitStore } from '../limits/limit-store.js';
import { AppError } from '../shared/errors.js';

/**
 * Password-protected articles, as WordPress has them (`post_password`). A protected article keeps its place
 * in lists under its title, but its text (body, excerpt, description) shows on no public URL: the repository
 * reads it blank (`ArticleSummary.protected`), search indexes only its title, tags, section and author, feeds
 * carry no content. Its page shows a password form; the right password gives the reader a cookie for that
 * article alone (its path), signed with the server secret over the article's password hash, so that a new
 * password ends every earlier unlock. A page read with that cookie is rendered for that reader and never
 * cached by Safir or a shared cache (the Varnish configuration passes such requests).
 *
 * Passwords are kept as scrypt hashes, like people's: the newsroom sets a new one rather than reading the
 * old one back. Wrong passwords are counted per address (10 in 10 minutes) and per article (100 an hour),
 * across nodes.
 */
const UNLOCK_COOKIE_PREFIX = 'safir_unlock_';
const UNLOCK_DAYS = 10; // WordPress keeps its post-password cookie 10 days
export const UNLOCK_MS = UNLOCK_DAYS * 24 * 3600_000;
/** Wrong passwords counted per address, and per article (many addresses guessing one article's password). */
const PER_ADDRESS: LimitRule = { limit: 10, windowMs: 10 * 60_000, lockMs: 10 * 60_000 };
const PER_ARTICLE: LimitRule = { limit: 100, windowMs: 3600_000, lockMs: 3600_000 };
const UNLOCK_COOKIE = new RegExp(`(?:^|;\\s*)${UNLOCK_COOKIE_PREFIX}\\d+=`);

/** Whether a request carries an article's unlock cookie: such a request is never answered from a cache. */
export function carriesUnlockCookie(cookieHeader: string | undefined): boolean {
  return cookieHeader !== undefined && UNLOCK_COOKIE.test(cookieHeader);
}

/** The refusal of anything that belongs to readers of a protected article's text (comments, their feeds). */
export const passwordRequired = () =>
  new AppError(
    'PASSWORD_REQUIRED',
    403,
    'هذا المقال محمي بكلمة مرور: اكتبها في صفحته أولاً.',
    'This article is protected by a password: enter it on its page first.',
  );

/** The stored form of an article password, or null for none; a blank password is no password. */
export async function articlePasswordHash(password: string | null | undefined): Promise<string | null> {
  if (!password) return null;
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new AppError(
      'INVALID_INPUT',
      400,
      'كلمة مرور المقال أطول من المسموح.',
      'The article password is too long.',
      'password',
    );
  return hashPassword(password);
}

export class ArticleProtection {
  constructor(
    private readonly db: DB,
    private readonly secret: Buffer,
    private readonly limits: LimitStore,
  ) {}

  cookieName(articleId: number): string {
    return `${UNLOCK_COOKIE_PREFIX}${articleId}`;
  }

  private token(articleId: number, passwordHash: string): string {
    return keyedHash(this.secret, 'article-unlock', `${articleId}:${passwordHash}`);
  }

  /** Whether the request's cookies unlock this article under its current password. */
  isUnlocked(cookieHeader: string | undefined, articleId: number, passwordHash: string): boolean {
    const given = cookieFrom(cookieHeader, this.cookieName(articleId));
    if (!given) return false;
    const expected = this.token(articleId, passwordHash);
    return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  }

  /** Whether this reader may read article `articleId`: it has no password, or their cookie unlocks it. */
  async mayRead(cookieHeader: string | undefined, articleId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('articles')
      .select('password_hash')
      .where('id', '=', articleId)
      .executeTakeFirst();
    return !row?.password_hash || this.isUnlocked(cookieHeader, articleId, row.password_hash);
  }

  /**
   * Checks a reader's password for the public article `slug`. Returns the cookie that unlocks it, or throws:
   * 404 for no such public protected article, 429 after too many attempts, 403 for a wrong password.
   */
  async unlock(
    slug: string,
    password: string,
    ip: string,
    now = new Date().toISOString(),
  ): Promise<{ articleId: number; name: string; value: string }> {
    const article = await this.db
      .selectFrom('articles')
      .select(['id', 'password_hash'])
      .where('slug', '=', slug)
      .where('status', '=', 'published')
      .where('published_at', '<=', now)
      .executeTakeFirst();
    if (!article?.password_hash) throw new AppError('NOT_FOUND', 404, 'المقال غير موجود.', 'Article not found.');
    // Counted before the (costly) check, and taken back when it was right: only wrong passwords add up.
    const keys = [
      [`article-unlock:${keyedHash(this.secret, 'ip', ip)}`, PER_ADDRESS],
      [`article-unlock:article:${article.id}`, PER_ARTICLE],
    ] as const;
    const counters = await Promise.all(keys.map(([key, rule]) => this.limits.hit(key, rule)));
    if (counters.some((c, i) => c.count > keys[i]![1].limit))
      throw new AppError(
        'RATE_LIMITED',
        429,
        'محاولات كثيرة بكلمة مرور خاطئة. حاول بعد دقائق.',
        'Too many wrong passwords. Try again in a few minutes.',
        'password',
      );
    if (password.length > MAX_PASSWORD_LENGTH || !(await verifyPassword(password, article.password_hash)))
      throw new AppError('WRONG_PASSWORD', 403, 'كلمة المرور غير صحيحة.', 'The password is not correct.', 'password');
    await Promise.all(keys.map(([key]) => this.limits.forgive(key)));
    return {
      articleId: article.id,
      name: this.cookieName(article.id),
      value: this.token(article.id, article.password_hash),
    };
  }
}
