import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type as T } from 'typebox';
import { AnyQuery, FormBody, Id, IdField, IdParams, jsonResponses, PageNumber, Text } from '../web/schemas.js';
import { requireAuth } from '../accounts/http.js';
import { actorOf, canEditArticle } from '../accounts/roles.js';
import { diffWords } from '../content/diff.js';
import type { AdminArticleFilter } from '../content/editorial.js';
import { textOf } from '../content/sanitize.js';
import { paths } from '../content/urls.js';
import type { ArticleStatus } from '../db/schema.js';
import { AppError, badRequest } from '../shared/errors.js';
import { parseInstant } from '../shared/time.js';
import { html, raw, type SafeHtml } from '../web/theme/html.js';
import { layout } from '../web/theme/layout.js';
import { articlePage } from '../web/theme/pages.js';
import { fields } from '../web/forms.js';
import {
  actionOf,
  articleForm,
  badPublishTime,
  type ArticleFormState,
  draftOf,
  formStateFromArticle,
  formStateOf,
} from './article-form.js';
import { type AdminDeps, render, viewFor } from './deps.js';
import { type AdminView, csrfField, doneNotice, formErrorsOf, STATUS_NAMES } from './view.js';

const PAGE_SIZE = 30;
const STATUSES: ArticleStatus[] = ['draft', 'pending', 'scheduled', 'published'];
const DONE_FOR_ACTION = {
  save: 'saved',
  submit: 'submitted',
  schedule: 'scheduled',
  publish: 'published',
  unpublish: 'unpublished',
} as const;

/** The editor's fields, from the HTML form or as JSON from the API (numbers and booleans arrive as text). */
const ArticleBody = FormBody({
  id: T.Optional(IdField),
  title: T.Optional(Text(2000)),
  slug: T.Optional(Text(1000)),
  excerpt: T.Optional(Text(20_000)),
  body: T.Optional(Text(2_000_000)),
  category: T.Optional(IdField),
  tags: T.Optional(T.Union([Text(20_000), T.Array(Text(500), { maxItems: 200 })])),
  featured_media: T.Optional(IdField),
  author: T.Optional(IdField),
  featured: T.Optional(Text(10)),
  breaking: T.Optional(Text(10)),
  comments_open: T.Optional(Text(10)),
  comments_state: T.Optional(Text(10)),
  /** A new password for the article; `remove_password` takes it away (content/protection.ts). */
  article_password: T.Optional(Text(1024)),
  remove_password: T.Optional(Text(10)),
  seo_title: T.Optional(Text(2000)),
  seo_description: T.Optional(Text(5000)),
  publish_at: T.Optional(Text(100)),
  publish_at_utc: T.Optional(T.Union([Text(100), T.Null()])),
  updated_at: T.Optional(Text(100)),
  action: T.Optional(Text(20)),
});

const ListQuery = T.Object(
  {
    status: T.Optional(Text(20)),
    author: T.Optional(Id),
    category: T.Optional(Id),
    q: T.Optional(Text(200)),
    page: T.Optional(PageNumber),
  },
  { additionalProperties: Text(2000) },
);

const ArticleRef = T.Object({
  id: T.Integer(),
  slug: T.String(),
  status: T.String(),
  updated_at: T.String(),
  edit_url: T.String(),
});
const NullableText = T.Union([T.String(), T.Null()]);
const ArticleListJson = T.Object({
  articles: T.Array(
    T.Object({
      id: T.Integer(),
      title: T.String(),
      slug: T.String(),
      status: T.String(),
      published_at: NullableText,
      updated_at: T.String(),
      author_id: T.Integer(),
      author_name: T.String(),
      category_name: T.String(),
    }),
  ),
  total: T.Integer(),
  page: T.Integer(),
  pages: T.Integer(),
});
const ArticleJson = T.Object({
  article: T.Object({
    id: T.Integer(),
    slug: T.String(),
    title: T.String(),
    excerpt: T.String(),
    body_html: T.String(),
    status: T.String(),
    published_at: NullableText,
    created_at: T.String(),
    updated_at: T.String(),
    author_id: T.Integer(),
    category_id: T.Integer(),
    featured_media_id: T.Union([T.Integer(), T.Null()]),
    featured: T.Integer(),
    breaking: T.Integer(),
    comments_open: T.Integer(),
    comment_count: T.Integer(),
    /** Behind a password; the password itself is never shown, only replaced. */
    protected: T.Boolean(),
    seo_title: T.String(),
    seo_description: T.String(),
    word_count: T.Integer(),
    tags: T.Array(T.String()),
  }),
});
const TagsJson = T.Object({ tags: T.Array(T.Object({ id: T.Integer(), name: T.String(), slug: T.String() })) });

/** Dashboard, article list with bulk actions, the editor, preview, revisions, and the editor's JSON endpoints. */
export async function articleAdminRoutes(fastify: FastifyInstance, deps: AdminDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { editorial, content, db } = deps;
  const signedIn = { config: { access: 'signed-in' as const } };
  const writer = { config: { access: 'edit_articles' as const } };
  /** An article in the path, with any query (the editor's `?done=` notices). */
  const onArticle = { ...writer, schema: { params: IdParams, querystring: AnyQuery } };
  const actionOn = <P>(params: P) => ({ ...writer, schema: { params, body: FormBody({}) } });
  /** The editor form: bad input shows the form again with the text kept (see saveFromForm). */
  const newArticleForm = { ...writer, schema: { body: ArticleBody }, attachValidation: true };
  const editArticleForm = { ...writer, schema: { body: ArticleBody, params: IdParams }, attachValidation: true };

  const statusBadge = (view: AdminView, status: string) =>
    html`<span class="status status-${status}">${view.t(...(STATUS_NAMES[status] ?? [status, status]))}</span>`;

  const articleTable = (view: AdminView, rows: Awaited<ReturnType<typeof editorial.list>>['rows'], bulk = false) =>
    rows.length
      ? html`<table>
<thead><tr>${bulk ? html`<th><span class="visually-hidden">${view.t('تحديد', 'Select')}</span></th>` : ''}<th>${view.t('العنوان', 'Title')}</th><th>${view.t('الكاتب', 'Author')}</th><th>${view.t('القسم', 'Section')}</th><th>${view.t('الحالة', 'Status')}</th><th>${view.t('آخر تعديل', 'Updated')}</th></tr></thead>
<tbody>${rows.map(
          (r) => html`<tr>
${bulk ? html`<td><input type="checkbox" name="ids" value="${r.id}" aria-label="${view.t('تحديد', 'Select')}: ${r.title}"></td>` : ''}
<td>${
            req_canEdit(view, r)
              ? html`<a href="/admin/articles/${r.id}">${r.title}</a>`
              : r.status === 'published'
                ? html`<a href="${paths.article(r.slug)}">${r.title}</a>`
                : r.title
          }</td>
<td>${r.author_name}</td><td>${r.category_name}</td>
<td>${statusBadge(view, r.status)}${r.status === 'scheduled' && r.published_at ? html` <small>${view.fmt.gregorianDate(r.published_at)} ${view.fmt.time(r.published_at)}</small>` : ''}</td>
<td>${view.fmt.gregorianDate(r.updated_at)}</td>
</tr>`,
        )}</tbody></table>`
      : html`<p>${view.t('لا مقالات هنا.', 'No articles here.')}</p>`;

  function req_canEdit(view: AdminView, r: { author_id: number; status: ArticleStatus }): boolean {
    const user = view.user;
    return Boolean(user && canEditArticle(actorOf(user), r));
  }

  // ---- dashboard ----
  app.get('/admin', { ...signedIn, schema: { querystring: AnyQuery } }, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const { actor } = requireAuth(req);
    const mine = { authorId: actor.authorId };
    const reviewer = view.can('edit_others_articles');
    const page = { limit: 8, offset: 0 };
    const siteProblem = deps.siteUrl.problem;
    const waiting = view.can('moderate_comments')
      ? Number(
          (
            await db
              .selectFrom('comments')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('status', '=', 'pending')
              .executeTakeFirstOrThrow()
          ).n,
        )
      : 0;
    const [drafts, pending, scheduled, published] = await Promise.all([
      editorial.list(actor, { ...mine, status: 'draft' }, page),
      editorial.list(actor, reviewer ? { status: 'pending' } : { ...mine, status: 'pending' }, page),
      editorial.list(actor, { status: 'scheduled' }, page),
      editorial.list(actor, { status: 'published' }, page),
    ]);
    const section = (title: string, r: typeof drafts, href: string) => html`<section class="panel">
<h2>${title} (${view.fmt.num(r.total)})</h2>${articleTable(view, r.rows)}
${r.total > r.rows.length ? html`<p><a href="${href}">${view.t('عرض الكل', 'See all')}</a></p>` : ''}
</section>`;
    return render(
      reply,
      view,
      {
        title: view.t('لوحة التحكم', 'Dashboard'),
        section: 'dashboard',
        notice: doneNotice(view, req),
        // An operator's problem, shown to those who can act on it or tell the operator.
        error: siteProblem && view.can('manage_settings') ? view.t(siteProblem.ar, siteProblem.en) : undefined,
      },
      html`<p class="actions"><a class="button" href="/admin/articles/new">${view.t('اكتب مقالاً جديداً', 'Write a new article')}</a>
${waiting ? html`<a class="button secondary" href="/admin/comments?status=pending">${view.t('تعليقات بانتظار المراجعة', 'Comments awaiting moderation')}: ${view.fmt.num(waiting)}</a>` : ''}</p>
${section(view.t('مسوداتي', 'My drafts'), drafts, `/admin/articles?status=draft&author=${actor.authorId}`)}
${section(reviewer ? view.t('بانتظار المراجعة', 'Pending review') : view.t('أرسلتُها للمراجعة', 'Submitted for review'), pending, '/admin/articles?status=pending')}
${section(view.t('مجدولة', 'Scheduled'), scheduled, '/admin/articles?status=scheduled')}
${section(view.t('نُشرت مؤخراً', 'Recently published'), published, '/admin/articles?status=published')}`,
    );
  });

  // ---- list ----
  const filterOf = (query: Static<typeof ListQuery>): AdminArticleFilter => ({
    status: (STATUSES as string[]).includes(query.status ?? '') ? (query.status as ArticleStatus) : undefined,
    authorId: query.author,
    categoryId: query.category,
    q: query.q,
  });

  app.get('/admin/articles', { ...writer, schema: { querystring: ListQuery } }, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const { actor } = requireAuth(req);
    const filter = filterOf(req.query);
    const page = req.query.page ?? 1;
    const [{ rows, total }, categories, authors] = await Promise.all([
      editorial.list(actor, filter, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
      content.categories(),
      db.selectFrom('authors').select(['id', 'name']).orderBy('name').execute(),
    ]);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const qs = (p: number) => {
      const u = new URLSearchParams();
      for (const [k, v] of Object.entries({
        status: filter.status,
        author: filter.authorId,
        category: filter.categoryId,
        q: filter.q,
      }))
        if (v) u.set(k, String(v));
      u.set('page', String(p));
      return `/admin/articles?${u}`;
    };
    const option = (value: string | number, label: string, current: unknown) =>
      html`<option value="${value}" ${String(current ?? '') === String(value) ? raw('selected') : ''}>${label}</option>`;
    const publisher = view.can('publish_articles');
    return render(
      reply,
      view,
      { title: view.t('المقالات', 'Articles'), section: 'articles', notice: doneNotice(view, req) },
      html`<form class="filters panel" method="get" action="/admin/articles" role="search">
<div><label for="q">${view.t('بحث في العناوين', 'Search titles')}</label><input type="search" id="q" name="q" value="${filter.q ?? ''}" dir="auto"></div>
<div><label for="status">${view.t('الحالة', 'Status')}</label><select id="status" name="status">${option('', view.t('الكل', 'All'), filter.status)}${STATUSES.map((s) => option(s, view.t(...STATUS_NAMES[s]!), filter.status))}</select></div>
<div><label for="author">${view.t('الكاتب', 'Author')}</label><select id="author" name="author">${option('', view.t('الكل', 'All'), filter.authorId)}${authors.map((a) => option(a.id, a.name, filter.authorId))}</select></div>
<div><label for="category">${view.t('القسم', 'Section')}</label><select id="category" name="category">${option('', view.t('الكل', 'All'), filter.categoryId)}${categories.map((c) => option(c.id, c.name, filter.categoryId))}</select></div>
<div><button type="submit">${view.t('تصفية', 'Filter')}</button></div>
</form>
<form method="post" action="/admin/articles/bulk">
${csrfField(view)}
<div class="actions">
<label for="bulk-action" class="visually-hidden">${view.t('إجراء جماعي', 'Bulk action')}</label>
<select id="bulk-action" name="bulk_action">
${publisher ? html`<option value="publish">${view.t('نشر المحدد', 'Publish selected')}</option><option value="unpublish">${view.t('إعادة المحدد إلى مسودات', 'Move selected to drafts')}</option>` : ''}
<option value="delete">${view.t('حذف المحدد', 'Delete selected')}</option>
</select>
<button type="submit" class="secondary" data-confirm="${view.t('تطبيق الإجراء على المقالات المحددة؟', 'Apply to the selected articles?')}">${view.t('تطبيق', 'Apply')}</button>
</div>
<p>${view.fmt.plural(view.lang === 'ar' ? { zero: 'لا مقالات', one: 'مقال واحد', two: 'مقالان', few: '{n} مقالات', many: '{n} مقالاً', other: '{n} مقال' } : { one: '1 article', other: '{n} articles' }, total)}</p>
${articleTable(view, rows, true)}
</form>
<nav class="pagination" aria-label="${view.t('الصفحات', 'Pages')}">
${page > 1 ? html`<a href="${qs(page - 1)}" rel="prev">${view.t('السابق', 'Previous')}</a>` : ''}
<span>${view.t('صفحة', 'Page')} ${view.fmt.num(page)} / ${view.fmt.num(pages)}</span>
${page < pages ? html`<a href="${qs(page + 1)}" rel="next">${view.t('التالي', 'Next')}</a>` : ''}
</nav>`,
    );
  });

  const bulkSchema = {
    body: FormBody({
      ids: T.Optional(T.Array(IdField, { maxItems: 500 })),
      bulk_action: T.Optional(Text(20)),
    }),
  };
  app.post('/admin/articles/bulk', { ...writer, schema: bulkSchema }, async (req, reply) => {
    const { actor } = requireAuth(req);
    const ids = fields(req.body, 'ids')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0)
      .slice(0, 200);
    const action = fields(req.body, 'bulk_action')[0];
    if (!['publish', 'unpublish', 'delete'].includes(action ?? ''))
      throw badRequest('bulk_action', 'إجراء غير معروف.', 'Unknown action.');
    // Each article under the same rules as a single save, all checked before any is changed.
    await editorial.bulk(actor, ids, action as 'publish' | 'unpublish' | 'delete');
    return reply.redirect('/admin/articles?done=bulk-done', 303);
  });

  // ---- the editor ----
  const formOptions = async () => {
    const [categories, authors, images] = await Promise.all([
      content.categories(),
      db.selectFrom('authors').select(['id', 'name']).orderBy('name').execute(),
      db.selectFrom('media').select(['id', 'alt', 'path']).orderBy('id', 'desc').limit(100).execute(),
    ]);
    return { categories, authors, images };
  };

  const showForm = async (
    req: FastifyRequest,
    reply: FastifyReply,
    view: AdminView,
    state: ArticleFormState,
    id: number | undefined,
    errors: Record<string, string>,
    status = 200,
  ) => {
    const article = id ? await editorial.article(id) : undefined;
    const title = article ? view.t('تحرير المقال', 'Edit article') : view.t('مقال جديد', 'New article');
    return render(
      reply,
      view,
      { title, section: article ? 'articles' : 'new', editor: true, notice: doneNotice(view, req) },
      articleForm(view, state, { article, errors, ...(await formOptions()) }),
      status,
    );
  };

  app.get('/admin/articles/new', { ...writer, schema: { querystring: AnyQuery } }, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const state = formStateOf({ author: String(requireAuth(req).actor.authorId) });
    return showForm(req, reply, view, state, undefined, {});
  });

  app.get('/admin/articles/:id', onArticle, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const article = await editorial.articleFor(requireAuth(req).actor, req.params.id);
    const tags = await content.tagsOf([article.id]);
    const state = formStateFromArticle(
      article,
      (tags.get(article.id) ?? []).map((t) => t.name),
      view.site.timeZone,
    );
    return showForm(req, reply, view, state, article.id, {});
  });

  const saveFromForm = async (req: FastifyRequest, reply: FastifyReply, id: number | undefined) => {
    const view = await viewFor(deps, req, reply);
    const { actor } = requireAuth(req);
    const state = formStateOf(req.body);
    const action = actionOf((req.body as Record<string, unknown>)?.action);
    try {
      if (req.validationError) throw req.validationError;
      const { input, publishAt, expectedUpdatedAt } = draftOf(state, view.site.timeZone);
      const savedId = await editorial.save(actor, id, input, action, { publishAt, expectedUpdatedAt });
      return reply.redirect(`/admin/articles/${savedId}?done=${DONE_FOR_ACTION[action]}`, 303);
    } catch (err) {
      // Refusals of the role are errors, not form messages; everything else is shown next to its field, text kept.
      if (err instanceof AppError && (err.status === 403 || err.status === 404)) throw err;
      return showForm(req, reply, view, state, id, formErrorsOf(view, err), (err as AppError).status);
    }
  };

  app.post('/admin/articles', newArticleForm, (req, reply) => saveFromForm(req, reply, undefined));
  app.post('/admin/articles/:id', editArticleForm, (req, reply) => saveFromForm(req, reply, req.params.id));

  app.post('/admin/articles/:id/delete', actionOn(IdParams), async (req, reply) => {
    await editorial.remove(requireAuth(req).actor, req.params.id);
    return reply.redirect('/admin/articles?done=deleted', 303);
  });

  // ---- preview: the real public page, whatever the status ----
  app.get('/admin/articles/:id/preview', onArticle, async (req, reply) => {
    const id = req.params.id;
    await editorial.articleFor(requireAuth(req).actor, id);
    const article = await content.articleForPreview(id);
    if (!article) throw new AppError('NOT_FOUND', 404, 'المقال غير موجود.', 'Article not found.');
    const { ctx } = await deps.site.get();
    const canonical = `${ctx.origin}${paths.article(article.slug)}`;
    const body = html`<p class="preview-banner" role="note">${ctx.site.lang === 'ar' ? 'معاينة — ليست منشورة بعد على هذا الشكل' : 'Preview — not published like this yet'}</p>${articlePage(ctx, { article, canonical, related: [], popular: [], comments: html`` })}`;
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-robots-tag', 'noindex')
      .send(layout(ctx, { title: article.title, noindex: true }, body));
  });

  // ---- revisions ----
  const revisionsSchema = {
    params: IdParams,
    querystring: T.Object({ compare: T.Optional(Id) }, { additionalProperties: Text(2000) }),
  };
  app.get('/admin/articles/:id/revisions', { ...writer, schema: revisionsSchema }, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const article = await editorial.articleFor(requireAuth(req).actor, req.params.id);
    const revisions = await editorial.revisions(article.id);
    const compareId = req.query.compare ?? revisions[1]?.id ?? revisions[0]?.id;
    const chosen = revisions.find((r) => r.id === compareId);
    const NOTE: Record<string, [string, string]> = {
      '': ['حفظ', 'Saved'],
      autosave: ['حفظ تلقائي', 'Autosave'],
      submit: ['أُرسل للمراجعة', 'Submitted'],
      schedule: ['جُدول', 'Scheduled'],
      publish: ['نُشر', 'Published'],
      unpublish: ['أُلغي النشر', 'Unpublished'],
      'scheduled-publish': ['نشره المُجدوِل', 'Published by the scheduler'],
    };
    let comparison: SafeHtml | string = '';
    if (chosen) {
      const diff = (before: string, after: string) =>
        diffWords(before, after).map((p) =>
          p.kind === 'same' ? p.text : p.kind === 'removed' ? html`<del>${p.text}</del>` : html`<ins>${p.text}</ins>`,
        );
      const oldText = `${chosen.title}\n\n${textOf(chosen.body_html)}`;
      const newText = `${article.title}\n\n${textOf(article.body_html)}`;
      const parts = diffWords(oldText, newText);
      comparison = html`<h2>${view.t('المقارنة', 'Comparison')}</h2>
<div class="diff">
<div><h3>${view.t('النسخة المختارة', 'Selected revision')} — ${view.fmt.gregorianDate(chosen.created_at)} ${view.fmt.time(chosen.created_at)}</h3>${parts.filter((p) => p.kind !== 'added').map((p) => (p.kind === 'removed' ? html`<del>${p.text}</del>` : p.text))}</div>
<div><h3>${view.t('النسخة الحالية', 'Current version')}</h3>${parts.filter((p) => p.kind !== 'removed').map((p) => (p.kind === 'added' ? html`<ins>${p.text}</ins>` : p.text))}</div>
</div>
${chosen.excerpt !== article.excerpt ? html`<h3>${view.t('المقتطف', 'Excerpt')}</h3><div class="diff"><div>${chosen.excerpt}</div><div>${diff(chosen.excerpt, article.excerpt)}</div></div>` : ''}
<form method="post" action="/admin/articles/${article.id}/revisions/${chosen.id}/restore">${csrfField(view)}
<div class="actions"><button type="submit" data-confirm="${view.t('استعادة هذه النسخة؟', 'Restore this revision?')}">${view.t('استعد هذه النسخة', 'Restore this revision')}</button></div></form>`;
    }
    return render(
      reply,
      view,
      {
        title: `${view.t('النسخ السابقة', 'Revisions')}: ${article.title}`,
        section: 'articles',
        notice: doneNotice(view, req),
      },
      html`<p><a href="/admin/articles/${article.id}">${view.t('العودة إلى المحرر', 'Back to the editor')}</a></p>
<table><thead><tr><th>${view.t('الوقت', 'When')}</th><th>${view.t('بواسطة', 'By')}</th><th>${view.t('ما جرى', 'What')}</th><th>${view.t('العنوان', 'Title')}</th><th></th></tr></thead>
<tbody>${revisions.map(
        (
          r,
        ) => html`<tr${r.id === chosen?.id ? raw(' aria-current="true"') : ''}><td>${view.fmt.gregorianDate(r.created_at)} ${view.fmt.time(r.created_at)}</td><td>${r.user_name ?? view.t('النظام', 'System')}</td><td>${view.t(...(NOTE[r.note] ?? [r.note, r.note]))} · ${view.t(...(STATUS_NAMES[r.status] ?? ['', '']))}</td><td>${r.title}</td>
<td><a href="/admin/articles/${article.id}/revisions?compare=${r.id}">${view.t('قارن بالحالية', 'Compare with current')}</a></td></tr>`,
      )}</tbody></table>
${comparison}`,
    );
  });

  app.post(
    '/admin/articles/:id/revisions/:rev/restore',
    actionOn(T.Object({ id: Id, rev: Id })),
    async (req, reply) => {
      const id = req.params.id;
      await editorial.restore(requireAuth(req).actor, id, req.params.rev);
      return reply.redirect(`/admin/articles/${id}?done=restored`, 303);
    },
  );

  // ---- JSON for the editor script and API clients ----
  const json = (article: { id: number; updated_at: string; status: string; slug: string }) => ({
    id: article.id,
    slug: article.slug,
    status: article.status,
    updated_at: article.updated_at,
    edit_url: `/admin/articles/${article.id}`,
  });

  const autosaveSchema = { body: ArticleBody, response: jsonResponses(ArticleRef) };
  app.post('/api/v1/admin/articles/autosave', { ...writer, schema: autosaveSchema }, async (req) => {
    const { site } = (await deps.site.get()).ctx;
    const { input } = draftOf(formStateOf(req.body), site.timeZone);
    return json(await editorial.autosave(requireAuth(req).actor, undefined, input));
  });

  const autosaveOneSchema = { params: IdParams, body: ArticleBody, response: jsonResponses(ArticleRef) };
  app.post('/api/v1/admin/articles/:id/autosave', { ...writer, schema: autosaveOneSchema }, async (req) => {
    const { site } = (await deps.site.get()).ctx;
    const { input, expectedUpdatedAt } = draftOf(formStateOf(req.body), site.timeZone);
    return json(await editorial.autosave(requireAuth(req).actor, req.params.id, input, expectedUpdatedAt));
  });

  const listSchema = { querystring: ListQuery, response: jsonResponses(ArticleListJson) };
  app.get('/api/v1/admin/articles', { ...writer, schema: listSchema }, async (req) => {
    const page = req.query.page ?? 1;
    const { rows, total } = await editorial.list(requireAuth(req).actor, filterOf(req.query), {
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    });
    return { articles: rows, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
  });

  const oneSchema = { params: IdParams, querystring: AnyQuery, response: jsonResponses(ArticleJson) };
  app.get('/api/v1/admin/articles/:id', { ...writer, schema: oneSchema }, async (req) => {
    const article = await editorial.articleFor(requireAuth(req).actor, req.params.id);
    const tags = await content.tagsOf([article.id]);
    const { password_hash, ...shown } = article;
    return {
      article: { ...shown, protected: password_hash !== null, tags: (tags.get(article.id) ?? []).map((t) => t.name) },
    };
  });

  const saveJson = async (req: FastifyRequest<{ Body: Static<typeof ArticleBody> }>, id: number | undefined) => {
    const { site } = (await deps.site.get()).ctx;
    const body = req.body;
    const { input, publishAt, expectedUpdatedAt } = draftOf(formStateOf(body), site.timeZone);
    let publishAtUtc = publishAt;
    if (body?.publish_at_utc !== undefined && body.publish_at_utc !== null && body.publish_at_utc !== '') {
      // An API client's ISO 8601 time: with Z or an offset, or a wall-clock time in the site's zone.
      publishAtUtc =
        typeof body.publish_at_utc === 'string' ? parseInstant(body.publish_at_utc, site.timeZone) : undefined;
      if (!publishAtUtc) throw badPublishTime();
    }
    const savedId = await editorial.save(requireAuth(req).actor, id, input, actionOf(body?.action), {
      publishAt: publishAtUtc,
      expectedUpdatedAt,
    });
    return json(await editorial.article(savedId));
  };

  const createSchema = { body: ArticleBody, response: jsonResponses(ArticleRef, 201) };
  app.post('/api/v1/admin/articles', { ...writer, schema: createSchema }, async (req, reply) =>
    reply.code(201).send(await saveJson(req, undefined)),
  );
  const updateSchema = { params: IdParams, body: ArticleBody, response: jsonResponses(ArticleRef) };
  app.put('/api/v1/admin/articles/:id', { ...writer, schema: updateSchema }, (req) => saveJson(req, req.params.id));
  const deleteSchema = { params: IdParams, querystring: AnyQuery, response: jsonResponses(T.Null(), 204) };
  app.delete('/api/v1/admin/articles/:id', { ...writer, schema: deleteSchema }, async (req, reply) => {
    await editorial.remove(requireAuth(req).actor, req.params.id);
    return reply.code(204).send();
  });

  const tagsSchema = {
    querystring: T.Object({ q: T.Optional(Text(200)) }, { additionalProperties: Text(2000) }),
    response: jsonResponses(TagsJson),
  };
  app.get('/api/v1/admin/tags', { ...writer, schema: tagsSchema }, async (req) => {
    const q = (req.query.q ?? '').trim().slice(0, 100);
    const rows = q
      ? await db
          .selectFrom('tags')
          .select(['id', 'name', 'slug'])
          .where('name', 'like', `${q.replace(/[%_\\]/g, '')}%`)
          .orderBy('name')
          .limit(10)
          .execute()
      : [];
    return { tags: rows };
  });
}
