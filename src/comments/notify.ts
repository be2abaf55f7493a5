import type { DB } from '../db/database.js';
import type { CommentRow } from '../db/schema.js';
import type { Mailer } from '../mail/mailer.js';
import { paths } from '../content/urls.js';
import type { SiteUrl } from '../web/site-url.js';

/**
 * Emails about comments: moderators hear of a comment waiting for them; a
 * reader who asked to be told hears of an approved reply. Sent after the
 * response, never holding it up; a failure is logged, not shown.
 */
export class CommentNotifier {
  constructor(
    private readonly db: DB,
    private readonly mailer: Mailer,
    private readonly siteUrl: SiteUrl,
    private readonly log: (err: unknown) => void,
  ) {}

  /** Runs a mail job when mail can be sent with links to the configured site (SITE_URL), never to a request's host. */
  private send(job: (origin: string) => Promise<void>): void {
    const origin = this.siteUrl.mailOrigin;
    if (!this.mailer.configured || !origin) return;
    void job(origin).catch(this.log);
  }

  held(comment: CommentRow, siteTitle: string): void {
    if (comment.status !== 'pending') return;
    this.send(async (origin) => {
      const moderators = await this.db
        .selectFrom('users')
        .select('email')
        .where('role', 'in', ['administrator', 'editor'])
        .execute();
      const article = await this.db
        .selectFrom('articles')
        .select('title')
        .where('id', '=', comment.article_id)
        .executeTakeFirst();
      for (const m of moderators) {
        await this.mailer.send({
          to: m.email,
          subject: `${siteTitle}: تعليق جديد بانتظار المراجعة / A comment awaits moderation`,
          text: `كتب ${comment.author_name} على «${article?.title ?? ''}»:\n\n${comment.body}\n\nراجعه: ${origin}/admin/comments\n`,
        });
      }
    });
  }

  approved(comments: CommentRow[], siteTitle: string): void {
    this.send(async (origin) => {
      for (const c of comments) {
        if (c.parent_id === null) continue;
        const parent = await this.db
          .selectFrom('comments')
          .selectAll()
          .where('id', '=', c.parent_id)
          .executeTakeFirst();
        if (!parent || !parent.notify_replies || parent.author_email === c.author_email) continue;
        const article = await this.db
          .selectFrom('articles')
          .select(['slug', 'title'])
          .where('id', '=', c.article_id)
          .executeTakeFirst();
        if (!article) continue;
        await this.mailer.send({
          to: parent.author_email,
          subject: `${siteTitle}: ردّ على تعليقك / A reply to your comment`,
          text: `ردّ ${c.author_name} على تعليقك في «${article.title}»:\n\n${c.body}\n\n${origin}${paths.article(article.slug)}#comment-${c.id}\n`,
        });
      }
    });
  }
}
