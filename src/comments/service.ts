import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { keyedHash } from '../accounts/secret.js';
import { normalizeEmail } from '../accounts/service.js';
import { emit } from '../events/outbox.js';
import { CacheKeys } from '../delivery/cache-keys.js';
import type { SiteSettings } from '../content/settings.js';
import type { DB } from '../db/database.js';
import type { CommentRow, CommentStatus } from '../db/schema.js';
import { AppError, badRequest, notFound } from '../shared/errors.js';
import { DatabaseLimitStore } from '../limits/database-limit-store.js';
import type { LimitRule, LimitStore } from '../limits/limit-store.js';
import { countLinks, moderationList } from './rules.js';

export const LIMITS = { name: 100, email: 254, url: 200, body: 5000 };
/** A human takes longer than this to read and write; a bot posting faster is refused. */
export const MIN_FORM_AGE_MS = 3000;
export const MAX_FORM_AGE_MS = 24 * 3600_000;
/** Per address: attempts per minute in this process, and stored comments per 10 minutes across nodes. */
export const IP_ATTEMPTS_PER_MINUTE = 10;
export const IP_COMMENTS_PER_10_MIN = 5;
/** The whole site: stored comments per minute, across nodes. */
export const SITE_COMMENTS_PER_MINUTE = 120;

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

export interface CommentInput {
  articleId: number;
  parentId?: number;
  name: string;
  email: string;
  url: string;
  body: string;
  notify: boolean;
  token: string;
  /** The hidden field people never see; bots fill it. */
  honeypot: string;
}

export interface Sender {
  ip: string;
  /** A signed-in staff member writes as themselves, approved at once. */
  staff?: { userId: number; name: string; email: string };
}

export interface SubmitResult {
  comment: CommentRow;
}

export const commentsClosed = () =>
  new AppError('COMMENTS_CLOSED', 403, 'التعليقات مغلقة على هذا المقال.', 'Comments are closed on this article.');

const rateLimited = () =>
  new AppError(
    'RATE_LIMITED',
    429,
    'أرسلت تعليقات كثيرة في وقت قصير. انتظر قليلاً ثم حاول مجدداً.',
    'You have sent many comments in a short time. Please wait a little and try again.',
  );

const siteBusy = () =>
  new AppError(
    'RATE_LIMITED',
    429,
    'يستقبل الموقع تعليقات كثيرة الآن. حاول بعد دقيقة.',
    'The site is receiving many comments right now. Try again in a minute.',
  );

const badToken = () =>
  new AppError(
    'FORM_EXPIRED',
    400,
    'انتهت صلاحية النموذج أو سبق إرساله. أعد تحميل الصفحة ثم أرسل تعليقك.',
    'The form has expired or was already sent. Reload the page and send your comment again.',
  );

/**
 * Readers' comments: validation, spam defence without third parties
 * (honeypot, signed form token with a minimum and maximum age, per-address
 * and site-wide rate limits, duplicates, size limits), the moderation rules
 * of the settings, and the approved-comment count kept on each article.
 */
export class CommentService {
  constructor(
    private readonly db: DB,
    private readonly secret: Buffer,
    private readonly now: () => number = Date.now,
    private readonly limits: LimitStore = new DatabaseLimitStore(db, now),
  ) {}

  private iso(offset = 0): string {
    return new Date(this.now() + offset).toISOString();
  }

  // ---- form tokens ----

  /** `issuedAt.articleId.mac`: proves the form came from this site for this article, and when. */
  formToken(articleId: number): string {
    const issued = this.now().toString(36);
    return `${issued}.${articleId}.${this.mac(`${issued}.${articleId}`)}`;
  }

  private mac(data: string): string {
    return createHmac('sha256', this.secret).update(`comment-form\0${data}`).digest('base64url').slice(0, 32);
  }

  private async checkToken(token: string, articleId: number, ipHash: string): Promise<void> {
    const [issued, article, mac] = token.split('.');
    if (!issued || !article || !mac || Number(article) !== articleId) throw badToken();
    const expected = Buffer.from(this.mac(`${issued}.${article}`));
    if (expected.length !== Buffer.from(mac).length || !timingSafeEqual(expected, Buffer.from(mac))) throw badToken();
    const age = this.now() - parseInt(issued, 36);
    if (age > MAX_FORM_AGE_MS || age < -60_000) throw badToken();
    if (age < MIN_FORM_AGE_MS)
      throw new AppError(
        'TOO_FAST',
        400,
        'أُرسل التعليق أسرع مما يكتب إنسان. انتظر لحظة ثم أرسله مجدداً.',
        'The comment was sent faster than a person types. Wait a moment and send it again.',
      );
    // One use per sender: a page served from cache hands the same token to many readers.
    const key = createHash('sha256').update(`${token}\0${ipHash}`).digest('base64url');
    const spent = await this.db
      .insertInto('comment_tokens')
      .values({ token_hash: key, used_at: this.iso() })
      .onConflict((oc) => oc.column('token_hash').doNothing())
      .executeTakeFirst();
    if (Number(spent.numInsertedOrUpdatedRows ?? 0) === 0) throw badToken();
  }

  /** Forgets spent form tokens old enough to be refused anyway: the table stays small. */
  async pruneTokens(): Promise<number> {
    const r = await this.db
      .deleteFrom('comment_tokens')
      .where('used_at', '<', new Date(this.now() - MAX_FORM_AGE_MS).toISOString())
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  // ---- submitting ----

  /**
   * Counts one event against a limit of `max` per `windowMs`, in the shared limit store (every process and
   * node counts together, one atomic step each); refuses past the limit until the window has passed.
   */
  private async within(key: string, max: number, windowMs: number, refuse: () => AppError): Promise<void> {
    const rule: LimitRule = { limit: max + 1, windowMs, lockMs: windowMs };
    if ((await this.limits.hit(key, rule)).count > max) throw refuse();
  }

  async submit(input: CommentInput, sender: Sender, settings: SiteSettings): Promise<SubmitResult> {
    const ipHash = keyedHash(this.secret, 'ip', sender.ip);
    // Every attempt counts, valid or not: a burst is refused before any other work.
    if (!sender.staff) await this.within(`comment-attempt:${ipHash}`, IP_ATTEMPTS_PER_MINUTE, 60_000, rateLimited);
    if (input.body.length > LIMITS.body * 4 || input.name.length > 1000 || input.url.length > 2000)
      throw new AppError('TOO_LARGE', 413, 'التعليق أطول من المسموح.', 'The comment is too long.', 'comment');
    if (input.honeypot.trim())
      throw new AppError(
        'REJECTED',
        400,
        'تعذّر قبول التعليق. إن كنت تستخدم تعبئة تلقائية، أفرغ الحقول المخفية وحاول مجدداً.',
        'The comment could not be accepted. If you use autofill, clear hidden fields and try again.',
      );

    const article = await this.db
      .selectFrom('articles')
      .select(['id', 'status', 'published_at', 'comments_open'])
      .where('id', '=', input.articleId)
      .executeTakeFirst();
    if (!article || article.status !== 'published' || !article.published_at || article.published_at > this.iso())
      throw notFound('Article');
    if (!this.isOpen(article, settings)) throw commentsClosed();

    const fields = sender.staff
      ? { name: sender.staff.name, email: normalizeEmail(sender.staff.email), url: '', body: input.body.trim() }
      : this.validate(input);
    if (!sender.staff) await this.checkToken(input.token, input.articleId, ipHash);

    const parentId = await this.parentFor(input, settings.commentDepth);
    const duplicate = await this.db
      .selectFrom('comments')
      .select('id')
      .where('article_id', '=', input.articleId)
      .where('author_email', '=', fields.email)
      .where('body', '=', fields.body)
      .where('status', '!=', 'trash')
      .executeTakeFirst();
    if (duplicate)
      throw new AppError(
        'DUPLICATE',
        409,
        'أرسلت هذا التعليق من قبل.',
        'You have already sent this comment.',
        'comment',
      );

    const status = sender.staff ? 'approved' : await this.decide(fields, sender.ip, settings);
    // Stored comments per address and for the whole site: a slot is taken just before the insert.
    if (!sender.staff) {
      await this.within(`comment-stored:${ipHash}`, IP_COMMENTS_PER_10_MIN, 10 * 60_000, rateLimited);
      await this.within('comment-stored:site', SITE_COMMENTS_PER_MINUTE, 60_000, siteBusy);
    }
    return this.db.transaction().execute(async (trx) => {
      const comment = await trx
        .insertInto('comments')
        .values({
          article_id: input.articleId,
          parent_id: parentId,
          user_id: sender.staff?.userId ?? null,
          author_name: fields.name,
          author_email: fields.email,
          author_url: fields.url,
          body: fields.body,
          status,
          ip_hash: ipHash,
          notify_replies: input.notify ? 1 : 0,
          created_at: this.iso(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (status === 'approved') await recountComments(trx, input.articleId);
      return { comment };
    });
  }

  isOpen(article: { comments_open: number; published_at: string | null }, settings: SiteSettings): boolean {
    if (!settings.commentsEnabled || !article.comments_open) return false;
    if (settings.commentsCloseAfterDays > 0 && article.published_at) {
      const age = this.now() - Date.parse(article.published_at);
      if (age > settings.commentsCloseAfterDays * 86_400_000) return false;
    }
    return true;
  }

  /** Field rules, each failure naming its field in both languages. */
  validate(input: CommentInput): { name: string; email: string; url: string; body: string } {
    const name = input.name.trim();
    const email = normalizeEmail(input.email);
    let url = input.url.trim();
    const body = input.body.replace(/\r\n/g, '\n').trim();
    if (!name) throw badRequest('author', 'الاسم مطلوب.', 'Your name is required.');
    if ([...name].length > LIMITS.name) throw badRequest('author', 'الاسم طويل جداً.', 'The name is too long.');
    if (!email) throw badRequest('email', 'البريد الإلكتروني مطلوب.', 'Your email address is required.');
    if (!EMAIL.test(email) || email.length > LIMITS.email)
      throw badRequest('email', 'البريد الإلكتروني غير صالح.', 'The email address is not valid.');
    if (url) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) url = `https://${url}`;
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || url.length > LIMITS.url)
        throw badRequest('url', 'الموقع يجب أن يبدأ بـ http أو https.', 'The website must be an http(s) address.');
      url = parsed.toString();
    }
    if (!body) throw badRequest('comment', 'اكتب تعليقك.', 'Write your comment.');
    if ([...body].length > LIMITS.body)
      throw new AppError(
        'TOO_LARGE',
        413,
        `التعليق أطول من ${LIMITS.body} حرف.`,
        `The comment is longer than ${LIMITS.body} characters.`,
        'comment',
      );
    return { name, email, url, body };
  }

  /** The parent must be an approved comment of the same article; replies deeper than the setting join the deepest allowed level. */
  private async parentFor(input: CommentInput, depth: number): Promise<number | null> {
    if (!input.parentId) return null;
    const chain: { id: number; parent_id: number | null }[] = [];
    let cursor: number | null = input.parentId;
    while (cursor !== null && chain.length <= 20) {
      const row: { id: number; parent_id: number | null; article_id: number; status: CommentStatus } | undefined =
        await this.db
          .selectFrom('comments')
          .select(['id', 'parent_id', 'article_id', 'status'])
          .where('id', '=', cursor)
          .executeTakeFirst();
      if (!row || row.article_id !== input.articleId || (chain.length === 0 && row.status !== 'approved'))
        throw badRequest(
          'parent',
          'التعليق الذي ترد عليه غير موجود.',
          'The comment you are replying to does not exist.',
        );
      chain.push(row);
      cursor = row.parent_id;
    }
    // chain[0] is the parent at level chain.length; a reply would sit one level below it.
    const levelOfParent = chain.length;
    if (depth <= 1) return null;
    return levelOfParent < depth ? chain[0]!.id : chain[levelOfParent - (depth - 1)]!.id;
  }

  private async decide(
    fields: { name: string; email: string; url: string; body: string },
    ip: string,
    settings: SiteSettings,
  ): Promise<CommentStatus> {
    if (moderationList(settings.commentSpamList).matches(fields, ip)) return 'spam';
    if (moderationList(settings.commentHoldList).matches(fields, ip)) return 'pending';
    if (countLinks(`${fields.body}`) > settings.commentMaxLinks) return 'pending';
    if (settings.commentModeration === 'all') return 'pending';
    if (settings.commentModeration === 'none') return 'approved';
    const known = await this.db
      .selectFrom('comments')
      .select('id')
      .where('author_email', '=', fields.email)
      .where('status', '=', 'approved')
      .executeTakeFirst();
    return known ? 'approved' : 'pending';
  }

  // ---- moderation ----

  async setStatus(ids: number[], status: CommentStatus): Promise<CommentRow[]> {
    if (!ids.length) return [];
    return this.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('comments').selectAll().where('id', 'in', ids).execute();
      await trx.updateTable('comments').set({ status }).where('id', 'in', ids).execute();
      // Only articles whose approved comments changed have anything new to show.
      const touched = before.filter((c) => c.status !== status && (c.status === 'approved' || status === 'approved'));
      for (const articleId of new Set(touched.map((c) => c.article_id))) await recountComments(trx, articleId);
      return before.filter((c) => c.status !== status);
    });
  }

  async remove(ids: number[]): Promise<void> {
    if (!ids.length) return;
    await this.db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('comments').select(['article_id', 'status']).where('id', 'in', ids).execute();
      await trx.updateTable('comments').set({ parent_id: null }).where('parent_id', 'in', ids).execute();
      await trx.deleteFrom('comments').where('id', 'in', ids).execute();
      const approved = rows.filter((r) => r.status === 'approved');
      for (const articleId of new Set(approved.map((r) => r.article_id))) await recountComments(trx, articleId);
    });
  }

  async edit(id: number, body: string): Promise<void> {
    const text = body.replace(/\r\n/g, '\n').trim();
    if (!text) throw badRequest('comment', 'اكتب نص التعليق.', 'Write the comment text.');
    if ([...text].length > LIMITS.body) throw badRequest('comment', 'التعليق طويل جداً.', 'The comment is too long.');
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('comments')
        .select(['article_id', 'status'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('Comment');
      await trx.updateTable('comments').set({ body: text }).where('id', '=', id).execute();
      if (row.status === 'approved')
        await emit(trx, {
          type: 'comments.changed',
          keys: [CacheKeys.comments(row.article_id)],
          payload: { articleId: row.article_id },
        });
    });
  }

  async counts(): Promise<Record<CommentStatus, number>> {
    const rows = await this.db
      .selectFrom('comments')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const out = { pending: 0, approved: 0, spam: 0, trash: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  queue(status: CommentStatus, limit: number, offset: number) {
    return this.db
      .selectFrom('comments as c')
      .innerJoin('articles as a', 'a.id', 'c.article_id')
      .selectAll('c')
      .select(['a.title as article_title', 'a.slug as article_slug'])
      .where('c.status', '=', status)
      .orderBy('c.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  /** Approved comments of an article, in threads, one page of top-level threads at a time. */
  async approvedThreads(
    articleId: number,
    order: 'oldest' | 'newest',
    page: number,
    perPage: number,
  ): Promise<{ threads: CommentNode[]; pages: number }> {
    const rows = await this.db
      .selectFrom('comments')
      .select(['id', 'parent_id', 'author_name', 'author_url', 'body', 'created_at', 'user_id'])
      .where('article_id', '=', articleId)
      .where('status', '=', 'approved')
      .orderBy('id')
      .execute();
    const nodes = new Map<number, CommentNode>(rows.map((r) => [r.id, { ...r, replies: [] }]));
    const roots: CommentNode[] = [];
    for (const node of nodes.values()) {
      const parent = node.parent_id === null ? undefined : nodes.get(node.parent_id);
      if (parent) parent.replies.push(node);
      else roots.push(node);
    }
    if (order === 'newest') roots.reverse();
    const pages = Math.max(1, Math.ceil(roots.length / perPage));
    return { threads: roots.slice((page - 1) * perPage, page * perPage), pages };
  }

  async byId(id: number): Promise<CommentRow | undefined> {
    return this.db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A signature for "your comment awaits moderation" links: only the writer, who was redirected there, has it. */
  ownerKey(commentId: number): string {
    return this.mac(`owner.${commentId}`).slice(0, 16);
  }
}

/**
 * Keeps an article's approved-comment count right and, when its public
 * comments changed, records it in the outbox: its comments, and its card
 * wherever the count shows. Callers call it when approved comments changed.
 */
export async function recountComments(q: DB, articleId: number): Promise<void> {
  const [n, current] = await Promise.all([
    q
      .selectFrom('comments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('article_id', '=', articleId)
      .where('status', '=', 'approved')
      .executeTakeFirstOrThrow(),
    q.selectFrom('articles').select('comment_count').where('id', '=', articleId).executeTakeFirst(),
  ]);
  const count = Number(n.n);
  const keys = [CacheKeys.comments(articleId)];
  if (current && Number(current.comment_count) !== count) {
    await q.updateTable('articles').set({ comment_count: count }).where('id', '=', articleId).execute();
    keys.push(CacheKeys.card(articleId));
  }
  await emit(q, { type: 'comments.changed', keys, payload: { articleId } });
}

export interface CommentNode {
  id: number;
  parent_id: number | null;
  author_name: string;
  author_url: string;
  body: string;
  created_at: string;
  user_id: number | null;
  replies: CommentNode[];
}
