import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireAuth } from '../accounts/http.js';
import { actorOf, canEditArticle } from '../accounts/roles.js';
import { diffWords } from '../content/diff.js';
import type { AdminArticleFilter } from '../content/editorial.js';
import { textOf } from '../content/sanitize.js';
import { paths } from '../content/urls.js';
import type { ArticleStatus } from '../db/schema.js';
import { AppError, badRequest } from '../shared/errors.js';
import { parsePage } from '../shared/query.js';
import { html, raw, type SafeHtml } from '../web/theme/html.js';
import { layout } from '../web/theme/layout.js';
import { articlePage } from '../web/theme/pages.js';
import { originOf } from '../web/origin.js';
import { fields } from '../web/forms.js';
import {
  actionOf,
  articleForm,
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

type IdParams = { Params: { id: string } };

function idOf(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id <= 0) throw new AppError('NOT_FOUND', 404, 'المقال غير موجود.', 'Article not found.');
  return id;
}

/** Dashboard, article list with bulk actions, the editor, preview, revisions, and the editor's JSON endpoints. */
export async function articleAdminRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { editorial, content, db } = deps;
  const signedIn = { config: { access: 'signed-in' as const } };
  const writer = { config: { access: 'edit_articles' as const } };

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
  app.get('/admin', signedIn, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const { actor } = requireAuth(req);
    const mine = { authorId: actor.authorId };
    const reviewer = view.can('edit_others_articles');
    const page = { limit: 8, offset: 0 };
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
      { title: view.t('لوحة التحكم', 'Dashboard'), section: 'dashboard', notice: doneNotice(view, req) },
      html`<p class="actions"><a class="button" href="/admin/articles/new">${view.t('اكتب مقالاً جديداً', 'Write a new article')}</a>
${waiting ? html`<a class="button secondary" href="/admin/comments?status=pending">${view.t('تعليقات بانتظار المراجعة', 'Comments awaiting moderation')}: ${view.fmt.num(waiting)}</a>` : ''}</p>
${section(view.t('مسوداتي', 'My drafts'), drafts, `/admin/articles?status=draft&author=${actor.authorId}`)}
${section(reviewer ? view.t('بانتظار المراجعة', 'Pending review') : view.t('أرسلتُها للمراجعة', 'Submitted for review'), pending, '/admin/articles?status=pending')}
${section(view.t('مجدولة', 'Scheduled'), scheduled, '/admin/articles?status=scheduled')}
${section(view.t('نُشرت مؤخراً', 'Recently published'), published, '/admin/articles?status=published')}`,
    );
  });

  // ---- list ----
  const filterOf = (query: Record<string, unknown>): AdminArticleFilter => {
    const num = (v: unknown) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : undefined);
    const status =
      typeof query.status === 'string' && (STATUSES as string[]).includes(query.status)
        ? (query.status as ArticleStatus)
        : undefined;
    return {
      status,
      authorId: num(query.author),
      categoryId: num(query.category),
      q: typeof query.q === 'string' ? query.q.slice(0, 200) : undefined,
    };
  };

  app.get('/admin/articles', writer, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const { actor } = requireAuth(req);
    const query = req.query as Record<string, unknown>;
    const filter = filterOf(query);
    const page = parsePage(query.page);
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

  app.post('/admin/articles/bulk', writer, async (req, reply) => {
    const { actor } = requireAuth(req);
    const ids = fields(req.body, 'ids')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0)
      .slice(0, 200);
    const action = fields(req.body, 'bulk_action')[0];
    if (!['publish', 'unpublish', 'delete'].includes(action ?? ''))
      throw badRequest('bulk_action', 'إجراء غير معروف.', 'Unknown action.');
    // All or nothing per article, each under the same rules as a single save: one refusal stops the batch.
    for (const id of ids) {
      if (action === 'delete') await editorial.remove(actor, id);
      else await editorial.transition(actor, id, action as 'publish' | 'unpublish');
    }
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

  app.get('/admin/articles/new', writer, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const state = formStateOf({ author: String(requireAuth(req).actor.authorId) });
    return showForm(req, reply, view, state, undefined, {});
  });

  app.get('/admin/articles/:id', writer, async (req: FastifyRequest<IdParams>, reply) => {
    const view = await viewFor(deps, req, reply);
    const article = await editorial.articleFor(requireAuth(req).actor, idOf(req.params.id));
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
      const { input, publishAt, expectedUpdatedAt } = draftOf(state, view.site.timeZone);
      const savedId = await editorial.save(actor, id, input, action, { publishAt, expectedUpdatedAt });
      return reply.redirect(`/admin/articles/${savedId}?done=${DONE_FOR_ACTION[action]}`, 303);
    } catch (err) {
      // Refusals of the role are errors, not form messages; everything else is shown next to its field, text kept.
      if (err instanceof AppError && (err.status === 403 || err.status === 404)) throw err;
      return showForm(req, reply, view, state, id, formErrorsOf(view, err), (err as AppError).status);
    }
  };

  app.post('/admin/articles', writer, (req, reply) => saveFromForm(req, reply, undefined));
  app.post('/admin/articles/:id', writer, (req: FastifyRequest<IdParams>, reply) =>
    saveFromForm(req, reply, idOf(req.params.id)),
  );

  app.post('/admin/articles/:id/delete', writer, async (req: FastifyRequest<IdParams>, reply) => {
    await editorial.remove(requireAuth(req).actor, idOf(req.params.id));
    return reply.redirect('/admin/articles?done=deleted', 303);
  });

  // ---- preview: the real public page, whatever the status ----
  app.get('/admin/articles/:id/preview', writer, async (req: FastifyRequest<IdParams>, reply) => {
    const id = idOf(req.params.id);
    await editorial.articleFor(requireAuth(req).actor, id);
    const article = await content.articleForPreview(id);
    if (!article) throw new AppError('NOT_FOUND', 404, 'المقال غير موجود.', 'Article not found.');
    const { ctx } = await deps.site.get();
    const canonical = `${originOf(req, ctx)}${paths.article(article.slug)}`;
    const body = html`<p class="preview-banner" role="note">${ctx.site.lang === 'ar' ? 'معاينة — ليست منشورة بعد على هذا الشكل' : 'Preview — not published like this yet'}</p>${articlePage(ctx, { article, canonical, related: [], popular: [], comments: html`` })}`;
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-robots-tag', 'noindex')
      .send(layout(ctx, { title: article.title, noindex: true }, body));
  });

  // ---- revisions ----
  app.get(
    '/admin/articles/:id/revisions',
    writer,
    async (req: FastifyRequest<IdParams & { Querystring: { compare?: string } }>, reply) => {
      const view = await viewFor(deps, req, reply);
      const article = await editorial.articleFor(requireAuth(req).actor, idOf(req.params.id));
      const revisions = await editorial.revisions(article.id);
      const compareId = Number(req.query.compare) || revisions[1]?.id || revisions[0]?.id;
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
    },
  );

  app.post(
    '/admin/articles/:id/revisions/:rev/restore',
    writer,
    async (req: FastifyRequest<{ Params: { id: string; rev: string } }>, reply) => {
      const id = idOf(req.params.id);
      await editorial.restore(requireAuth(req).actor, id, idOf(req.params.rev));
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

  app.post('/api/v1/admin/articles/autosave', writer, async (req) => {
    const { site } = (await deps.site.get()).ctx;
    const { input } = draftOf(formStateOf(req.body), site.timeZone);
    return json(await editorial.autosave(requireAuth(req).actor, undefined, input));
  });

  app.post('/api/v1/admin/articles/:id/autosave', writer, async (req: FastifyRequest<IdParams>) => {
    const { site } = (await deps.site.get()).ctx;
    const { input, expectedUpdatedAt } = draftOf(formStateOf(req.body), site.timeZone);
    return json(await editorial.autosave(requireAuth(req).actor, idOf(req.params.id), input, expectedUpdatedAt));
  });

  app.get('/api/v1/admin/articles', writer, async (req) => {
    const query = req.query as Record<string, unknown>;
    const page = parsePage(query.page);
    const { rows, total } = await editorial.list(requireAuth(req).actor, filterOf(query), {
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    });
    return { articles: rows, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
  });

  app.get('/api/v1/admin/articles/:id', writer, async (req: FastifyRequest<IdParams>) => {
    const article = await editorial.articleFor(requireAuth(req).actor, idOf(req.params.id));
    const tags = await content.tagsOf([article.id]);
    return { article: { ...article, tags: (tags.get(article.id) ?? []).map((t) => t.name) } };
  });

  const saveJson = async (req: FastifyRequest, id: number | undefined) => {
    const { site } = (await deps.site.get()).ctx;
    const body = req.body as Record<string, unknown> | undefined;
    const { input, publishAt, expectedUpdatedAt } = draftOf(formStateOf(body), site.timeZone);
    const publishAtUtc = typeof body?.publish_at_utc === 'string' ? body.publish_at_utc : publishAt;
    const savedId = await editorial.save(requireAuth(req).actor, id, input, actionOf(body?.action), {
      publishAt: publishAtUtc,
      expectedUpdatedAt,
    });
    return json(await editorial.article(savedId));
  };

  app.post('/api/v1/admin/articles', writer, async (req, reply) =>
    reply.code(201).send(await saveJson(req, undefined)),
  );
  app.put('/api/v1/admin/articles/:id', writer, (req: FastifyRequest<IdParams>) => saveJson(req, idOf(req.params.id)));
  app.delete('/api/v1/admin/articles/:id', writer, async (req: FastifyRequest<IdParams>, reply) => {
    await editorial.remove(requireAuth(req).actor, idOf(req.params.id));
    return reply.code(204).send();
  });

  app.get('/api/v1/admin/tags', writer, async (req) => {
    const q = String((req.query as Record<string, unknown>).q ?? '')
      .trim()
      .slice(0, 100);
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
