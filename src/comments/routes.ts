import { PUBLIC } from '../accounts/http.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sessionToken } from '../accounts/http.js';
import type { AccountService } from '../accounts/service.js';
import type { ContentRepository } from '../content/repository.js';
import { isValidSlug } from '../content/slug.js';
import { paths } from '../content/urls.js';
import type { DB } from '../db/database.js';
import type { Mailer } from '../mail/mailer.js';
import { AppError, notFound } from '../shared/errors.js';
import { rss, type Feed } from '../feeds/formats.js';
import type { ArticleRenderer } from '../web/theme/article-view.js';
import type { CommentFormState } from '../web/theme/comments.js';
import { commentText } from '../web/theme/comments.js';
import type { SiteContext } from '../web/theme/site-context.js';
import { CommentNotifier } from './notify.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from 'typebox';
import { type ArticleProtection, passwordRequired } from '../content/protection.js';
import { AnyQuery, FormBody, IdField, jsonResponses, SlugParams, Text } from '../web/schemas.js';
import type { SiteUrl } from '../web/site-url.js';
import type { CommentService } from './service.js';

export interface CommentDeps {
  comments: CommentService;
  accounts: AccountService;
  site: SiteContext;
  articles: ArticleRenderer;
  content: ContentRepository;
  mailer: Mailer;
  siteUrl: SiteUrl;
  db: DB;
  protection: ArticleProtection;
}

function text(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : typeof v === 'boolean' ? (v ? '1' : '') : '';
}

/**
 * The comment form's endpoint (works as a plain POST and from the page script),
 * the public comments API, and comment feeds. Emails are never in any answer.
 */
const CommentForm = FormBody({
  author: T.Optional(Text(500)),
  email: T.Optional(Text(500)),
  url: T.Optional(Text(2000)),
  comment: T.Optional(Text(100_000)),
  parent: T.Optional(IdField),
  notify: T.Optional(Text(10)),
  token: T.Optional(Text(500)),
  contact_me: T.Optional(Text(2000)),
});

const CommentJson = T.Object({
  id: T.Integer(),
  parent_id: T.Union([T.Integer(), T.Null()]),
  author_name: T.String(),
  author_url: T.Union([T.String(), T.Null()]),
  staff: T.Boolean(),
  content: T.String(),
  created_at: T.String(),
  url: T.String(),
});

export async function commentRoutes(fastify: FastifyInstance, deps: CommentDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { comments, site, articles, content } = deps;
  const notifier = new CommentNotifier(deps.db, deps.mailer, deps.siteUrl, (err) =>
    app.log.error({ err }, 'comment mail failed'),
  );

  app.post(
    '/article/:slug/comments',
    // Bad input shows the form again with the reader's text, so the handler reports the schema's verdict itself.
    { ...PUBLIC, schema: { params: SlugParams, body: CommentForm }, attachValidation: true },
    async (req, reply) => {
      const { slug } = req.params;
      if (!isValidSlug(slug)) throw notFound('Article');
      const wantsJson = String(req.headers.accept ?? '').includes('application/json');
      const { ctx } = await site.get();
      const article = await content.articleBySlug(slug);
      if (!article) throw notFound('Article');
      // Comments on a protected article come from readers of its text only.
      if (article.protected && !(await deps.protection.mayRead(req.headers.cookie, article.id)))
        throw passwordRequired();
      const form: CommentFormState = {
        author: text(req.body, 'author'),
        email: text(req.body, 'email'),
        url: text(req.body, 'url'),
        comment: text(req.body, 'comment'),
        parent: text(req.body, 'parent'),
        notify: text(req.body, 'notify') === '1',
      };
      // A signed-in member of staff comments as themselves.
      const token = sessionToken(req);
      const session = token ? await deps.accounts.sessionByToken(token) : undefined;
      const staff = session?.session.verified
        ? { userId: session.user.id, name: session.user.name, email: session.user.email }
        : undefined;
      try {
        if (req.validationError) throw req.validationError;
        const parentId = /^\d{1,10}$/.test(form.parent) ? Number(form.parent) : undefined;
        const { comment } = await comments.submit(
          {
            articleId: article.id,
            parentId,
            name: form.author,
            email: form.email,
            url: form.url,
            body: form.comment,
            notify: form.notify,
            token: text(req.body, 'token'),
            honeypot: text(req.body, 'contact_me'),
          },
          { ip: req.ip, staff },
          ctx.site,
        );
        notifier.held(comment, ctx.site.title);
        if (comment.status === 'approved') notifier.approved([comment], ctx.site.title);
        const held = comment.status !== 'approved';
        const anchor = `#comment-${comment.id}`;
        const location = held
          ? `${paths.article(slug)}?c=${comment.id}&k=${comments.ownerKey(comment.id)}${anchor}`
          : `${paths.article(slug)}${anchor}`;
        if (wantsJson) {
          return reply.code(201).send({
            comment: {
              id: comment.id,
              status: held ? 'pending' : 'approved',
              author_name: comment.author_name,
              created_at: comment.created_at,
              html: commentText(comment.body).value,
            },
            message: held ? ctx.t.awaitingModeration : ctx.t.commentSent,
            location,
          });
        }
        return reply.redirect(location, 303);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500 || err.status === 404) throw err;
        const message = ctx.site.lang === 'ar' ? err.messageAr : err.messageEn;
        if (wantsJson) {
          return reply.code(err.status).send({
            errors: [
              {
                code: err.code,
                status: err.status,
                message,
                message_ar: err.messageAr,
                message_en: err.messageEn,
                ...(err.field ? { field: err.field } : {}),
              },
            ],
          });
        }
        // The page again, with the reader's text kept and the message beside its field.
        const visible = err.field && ['author', 'email', 'url', 'comment'].includes(err.field);
        const errors: Record<string, string> = { _form: visible ? ctx.t.commentFormErrors : message };
        if (visible) errors[err.field!] = message;
        const page = await articles.render(slug, {
          form,
          errors,
          replyTo: Number(form.parent) || undefined,
          cookies: req.headers.cookie, // a protected article stays unlocked for its reader
        });
        return reply
          .code(err.status)
          .header('content-type', 'text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(page.html);
      }
    },
  );

  /** A fresh form token for the page script (the page itself may come from the cache). */
  const tokenSchema = {
    params: SlugParams,
    querystring: AnyQuery,
    response: jsonResponses(T.Object({ token: T.String() })),
  };
  app.get('/article/:slug/comments/token', { ...PUBLIC, schema: tokenSchema }, async (req, reply) => {
    const article = isValidSlug(req.params.slug) ? await content.articleBySlug(req.params.slug) : undefined;
    if (!article) throw notFound('Article');
    return reply.header('cache-control', 'no-store').send({ token: comments.formToken(article.id) });
  });

  const listSchema = {
    params: SlugParams,
    querystring: AnyQuery,
    response: jsonResponses(T.Object({ comments: T.Array(CommentJson), total: T.Integer() })),
  };
  app.get('/api/v1/articles/:slug/comments', { ...PUBLIC, schema: listSchema }, async (req, reply) => {
    const article = isValidSlug(req.params.slug) ? await content.articleBySlug(req.params.slug) : undefined;
    if (!article) throw notFound('Article');
    // A protected article's comments are for readers of its text: on its page, after the password.
    if (article.protected) throw passwordRequired();
    const { ctx } = await site.get();
    const { threads } = await comments.approvedThreads(article.id, 'oldest', 1, 100_000);
    const flat: unknown[] = [];
    const walk = (nodes: typeof threads) => {
      for (const n of nodes) {
        flat.push({
          id: n.id,
          parent_id: n.parent_id,
          author_name: n.author_name,
          author_url: n.author_url || null,
          staff: n.user_id !== null,
          content: n.body,
          created_at: n.created_at,
          url: `${ctx.origin}${paths.article(article.slug)}#comment-${n.id}`,
        });
        walk(n.replies);
      }
    };
    walk(threads);
    return reply.header('cache-control', 'public, max-age=30').send({ comments: flat, total: flat.length });
  });

  // Comment feeds (RSS): one per article and one for the site.
  const commentFeed = async (req: FastifyRequest, reply: FastifyReply, slug?: string) => {
    const { ctx } = await site.get();
    const origin = ctx.origin;
    const article = slug ? await content.articleBySlug(slug) : undefined;
    if (slug && !article) throw notFound('Article');
    if (article?.protected) throw passwordRequired();
    let q = deps.db
      .selectFrom('comments as c')
      .innerJoin('articles as a', 'a.id', 'c.article_id')
      .select(['c.id', 'c.author_name', 'c.body', 'c.created_at', 'a.slug', 'a.title'])
      .where('c.status', '=', 'approved')
      .where('a.status', '=', 'published')
      .where('a.published_at', '<=', new Date().toISOString())
      .where('a.password_hash', 'is', null);
    if (article) q = q.where('c.article_id', '=', article.id);
    const rows = await q.orderBy('c.id', 'desc').limit(30).execute();
    const base = article ? paths.article(article.slug) : '';
    const feed: Feed = {
      title: article ? `${ctx.t.comments}: ${article.title}` : `${ctx.t.comments} - ${ctx.site.title}`,
      description: ctx.site.tagline,
      homeUrl: `${origin}${base || '/'}`,
      selfUrl: { rss: `${origin}${base}/comments/feed`, atom: '', json: '' },
      language: ctx.site.lang,
      updated: rows[0]?.created_at ?? new Date(0).toISOString(),
      generator: 'Safir',
      items: rows.map((r) => ({
        id: `${origin}${paths.article(r.slug)}#comment-${r.id}`,
        url: `${origin}${paths.article(r.slug)}#comment-${r.id}`,
        title: `${r.author_name} — ${r.title}`,
        summary: r.body,
        published: r.created_at,
        updated: r.created_at,
        author: { name: r.author_name, url: `${origin}${paths.article(r.slug)}#comment-${r.id}` },
        categories: [],
      })),
    };
    return reply
      .type('application/rss+xml; charset=utf-8')
      .header('cache-control', 'public, max-age=60')
      .send(rss(feed));
  };
  app.get('/comments/feed', { ...PUBLIC, schema: { querystring: AnyQuery } }, (req, reply) => commentFeed(req, reply));
  const feedSchema = { params: SlugParams, querystring: AnyQuery };
  app.get('/article/:slug/comments/feed', { ...PUBLIC, schema: feedSchema }, (req, reply) => {
    if (!isValidSlug(req.params.slug)) throw notFound('Article');
    return commentFeed(req, reply, req.params.slug);
  });
}
