import { lookup } from '../shared/lookup.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from 'typebox';
import { AnyQuery, FormBody, IdField, IdParams, PageNumber, Text } from '../web/schemas.js';
import { requireAuth } from '../accounts/http.js';
import { CommentNotifier } from '../comments/notify.js';
import { erasePersonalData, exportPersonalData } from '../comments/privacy.js';
import type { CommentService } from '../comments/service.js';
import { paths } from '../content/urls.js';
import type { CommentStatus } from '../db/schema.js';
import { badRequest } from '../shared/errors.js';
import { fields, field as formField } from '../web/forms.js';
import { html, raw } from '../web/theme/html.js';
import { type AdminDeps, render, viewFor } from './deps.js';
import { csrfField, doneNotice, field } from './view.js';

const STATUSES: CommentStatus[] = ['pending', 'approved', 'spam', 'trash'];
const STATUS_LABELS: Record<CommentStatus, [string, string]> = {
  pending: ['بانتظار المراجعة', 'Pending'],
  approved: ['موافق عليها', 'Approved'],
  spam: ['مزعجة', 'Spam'],
  trash: ['المهملات', 'Trash'],
};
const ACTIONS: Record<string, CommentStatus | 'delete'> = {
  approve: 'approved',
  unapprove: 'pending',
  spam: 'spam',
  trash: 'trash',
  delete: 'delete',
};
const PAGE_SIZE = 30;

/** The moderation queue (editors and administrators) and the privacy tools (administrators). */
export async function commentAdminRoutes(
  fastify: FastifyInstance,
  deps: AdminDeps & { comments: CommentService },
): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { comments } = deps;
  const moderate = { config: { access: 'moderate_comments' as const } };
  const ActionBody = FormBody({ action: T.Optional(Text(20)), body: T.Optional(Text(100_000)) });
  const onComment = { ...moderate, schema: { params: IdParams, body: ActionBody } };
  const notifier = new CommentNotifier(deps.db, deps.mailer, deps.siteUrl, (err) =>
    app.log.error({ err }, 'comment mail failed'),
  );

  const apply = async (req: FastifyRequest, ids: number[], action: string) => {
    const target = lookup(ACTIONS, action);
    if (!target) throw badRequest('action', 'إجراء غير معروف.', 'Unknown action.');
    if (target === 'delete') return comments.remove(ids);
    const changed = await comments.setStatus(ids, target);
    if (target === 'approved') {
      const { ctx } = await deps.site.get();
      notifier.approved(
        changed.map((c) => ({ ...c, status: 'approved' as const })),
        ctx.site.title,
      );
    }
  };

  const queueQuery = T.Object(
    { status: T.Optional(Text(20)), page: T.Optional(PageNumber) },
    { additionalProperties: Text(2000) },
  );
  app.get('/admin/comments', { ...moderate, schema: { querystring: queueQuery } }, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const status = (STATUSES as string[]).includes(req.query.status ?? '')
      ? (req.query.status as CommentStatus)
      : 'pending';
    const page = req.query.page ?? 1;
    const [counts, rows] = await Promise.all([
      comments.counts(),
      comments.queue(status, PAGE_SIZE, (page - 1) * PAGE_SIZE),
    ]);
    const actionButtons = (id: number, current: CommentStatus) =>
      html`${current !== 'approved' ? html`<button type="submit" name="action" value="approve" formaction="/admin/comments/${id}/status" data-key="a">${view.t('وافق', 'Approve')}</button>` : html`<button type="submit" name="action" value="unapprove" class="secondary" formaction="/admin/comments/${id}/status">${view.t('أعده للمراجعة', 'Unapprove')}</button>`}
${current !== 'spam' ? html`<button type="submit" name="action" value="spam" class="secondary" formaction="/admin/comments/${id}/status" data-key="s">${view.t('مزعج', 'Spam')}</button>` : ''}
${current !== 'trash' ? html`<button type="submit" name="action" value="trash" class="secondary" formaction="/admin/comments/${id}/status" data-key="d">${view.t('إلى المهملات', 'Trash')}</button>` : html`<button type="submit" name="action" value="delete" class="danger" formaction="/admin/comments/${id}/status" data-confirm="${view.t('حذف نهائي؟', 'Delete for good?')}">${view.t('احذف نهائياً', 'Delete')}</button>`}`;
    const body = html`<nav class="actions" aria-label="${view.t('حالات التعليقات', 'Comment statuses')}">${STATUSES.map(
      (s) =>
        html`<a class="button${s === status ? '' : ' secondary'}" href="/admin/comments?status=${s}" ${s === status ? raw('aria-current="page"') : ''}>${view.t(...STATUS_LABELS[s])} (${view.fmt.num(counts[s])})</a>`,
    )}</nav>
<p class="hint">${view.t('اختصارات: j/k للتنقل، a للموافقة، s مزعج، d للمهملات، r للرد.', 'Shortcuts: j/k to move, a approve, s spam, d trash, r reply.')}</p>
<form method="post" action="/admin/comments/bulk" id="bulk-form">${csrfField(view)}
<div class="actions"><label class="visually-hidden" for="bulk-action">${view.t('إجراء جماعي', 'Bulk action')}</label>
<select id="bulk-action" name="action"><option value="approve">${view.t('وافق على المحدد', 'Approve selected')}</option><option value="spam">${view.t('المحدد مزعج', 'Mark selected as spam')}</option><option value="trash">${view.t('المحدد إلى المهملات', 'Trash selected')}</option><option value="unapprove">${view.t('أعد المحدد للمراجعة', 'Unapprove selected')}</option></select>
<button type="submit" class="secondary">${view.t('طبّق', 'Apply')}</button></div></form>
${
  rows.length
    ? html`<ol class="comment-queue" data-comment-queue>${rows.map(
        (c) => html`<li class="panel" id="c-${c.id}" tabindex="-1" data-comment-id="${c.id}">
<p><input type="checkbox" name="ids" value="${c.id}" form="bulk-form" aria-label="${view.t('تحديد', 'Select')}"> <strong dir="auto">${c.author_name}</strong>
<span dir="ltr" class="hint">${c.author_email}</span>${c.author_url ? html` · <span dir="ltr" class="hint">${c.author_url}</span>` : ''}
· ${view.t('على', 'on')} <a href="${paths.article(c.article_slug)}#comment-${c.id}">${c.article_title}</a> · ${view.fmt.gregorianDate(c.created_at)} ${view.fmt.time(c.created_at)}</p>
<form method="post" action="/admin/comments/${c.id}/edit">${csrfField(view)}
<label for="body-${c.id}" class="visually-hidden">${view.t('نص التعليق', 'Comment text')}</label>
<textarea id="body-${c.id}" name="body" dir="auto" rows="3">${c.body}</textarea>
<div class="actions">${actionButtons(c.id, c.status)}<button type="submit" class="secondary">${view.t('احفظ التعديل', 'Save edit')}</button></div>
</form>
${
  c.status === 'approved' || c.status === 'pending'
    ? html`<details data-reply><summary data-key="r">${view.t('رد', 'Reply')}</summary><form method="post" action="/admin/comments/${c.id}/reply">${csrfField(view)}
<label for="reply-${c.id}" class="visually-hidden">${view.t('ردك', 'Your reply')}</label><textarea id="reply-${c.id}" name="body" dir="auto" rows="3"></textarea>
<div class="actions"><button type="submit">${view.t('أرسل الرد', 'Send reply')}</button></div></form></details>`
    : ''
}
</li>`,
      )}</ol>`
    : html`<p>${view.t('لا تعليقات هنا.', 'No comments here.')}</p>`
}
${counts[status] > page * PAGE_SIZE ? html`<p><a href="/admin/comments?status=${status}&page=${page + 1}">${view.t('المزيد', 'More')}</a></p>` : ''}`;
    return render(
      reply,
      view,
      { title: view.t('التعليقات', 'Comments'), section: 'comments', notice: doneNotice(view, req) },
      body,
    );
  });

  const back = (req: FastifyRequest, reply: FastifyReply) => {
    const referer = String(req.headers.referer ?? '');
    const status = /[?&]status=(pending|approved|spam|trash)/.exec(referer)?.[1] ?? 'pending';
    return reply.redirect(`/admin/comments?status=${status}&done=saved`, 303);
  };
  const bulkBody = FormBody({ ids: T.Optional(T.Array(IdField, { maxItems: 500 })), action: T.Optional(Text(20)) });
  app.post('/admin/comments/bulk', { ...moderate, schema: { body: bulkBody } }, async (req, reply) => {
    const ids = fields(req.body, 'ids')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0)
      .slice(0, 500);
    await apply(req, ids, formField(req.body, 'action'));
    return back(req, reply);
  });

  app.post('/admin/comments/:id/status', onComment, async (req, reply) => {
    await apply(req, [req.params.id], formField(req.body, 'action'));
    if (String(req.headers.accept ?? '').includes('application/json')) return { ok: true };
    return back(req, reply);
  });

  app.post('/admin/comments/:id/edit', onComment, async (req, reply) => {
    const action = formField(req.body, 'action');
    if (action) await apply(req, [req.params.id], action);
    else await comments.edit(req.params.id, formField(req.body, 'body'));
    return back(req, reply);
  });

  app.post('/admin/comments/:id/reply', onComment, async (req, reply) => {
    const parent = await comments.byId(req.params.id);
    if (!parent) throw badRequest('parent', 'التعليق غير موجود.', 'The comment does not exist.');
    const { user } = requireAuth(req);
    const { ctx } = await deps.site.get();
    // Replying to a waiting comment approves it, as in WordPress.
    if (parent.status === 'pending') await apply(req, [parent.id], 'approve');
    const { comment } = await comments.submit(
      {
        articleId: parent.article_id,
        parentId: parent.id,
        name: user.name,
        email: user.email,
        url: '',
        body: formField(req.body, 'body'),
        notify: false,
        token: '',
        honeypot: '',
      },
      { ip: req.ip, staff: { userId: user.id, name: user.name, email: user.email } },
      { ...ctx.site, commentsEnabled: true, commentsCloseAfterDays: 0 },
    );
    notifier.approved([comment], ctx.site.title);
    return back(req, reply);
  });

  // ---- privacy: what is kept about one email address ----
  const privacy = { config: { access: 'manage_users' as const } };
  app.get('/admin/privacy', { ...privacy, schema: { querystring: AnyQuery } }, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    return render(
      reply,
      view,
      { title: view.t('الخصوصية', 'Privacy'), section: 'privacy', notice: doneNotice(view, req) },
      html`<p>${view.t('صدّر أو امحُ كل ما يحفظه الموقع عن عنوان بريد (تعليقاته). لا تُحفظ عناوين IP أبداً.', 'Export or erase everything the site keeps about an email address (its comments). IP addresses are never stored.')}</p>
<form class="panel" method="post" action="/admin/privacy">${csrfField(view)}
${field({ name: 'email', label: view.t('البريد الإلكتروني', 'Email'), type: 'email', required: true, dir: 'ltr' })}
<div class="actions"><button type="submit" name="action" value="export">${view.t('صدّر (JSON)', 'Export (JSON)')}</button>
<button type="submit" name="action" value="erase" class="danger" data-confirm="${view.t('محو كل تعليقات هذا العنوان نهائياً؟', 'Erase every comment of this address for good?')}">${view.t('امحُ', 'Erase')}</button></div></form>`,
    );
  });

  const privacyBody = FormBody({ email: T.Optional(Text(500)), action: T.Optional(Text(20)) });
  app.post('/admin/privacy', { ...privacy, schema: { body: privacyBody } }, async (req, reply) => {
    const email = formField(req.body, 'email');
    if (!email.includes('@'))
      throw badRequest('email', 'البريد الإلكتروني غير صالح.', 'The email address is not valid.');
    if (formField(req.body, 'action') === 'erase') {
      await erasePersonalData(deps.db, email);
      return reply.redirect('/admin/privacy?done=deleted', 303);
    }
    const data = await exportPersonalData(deps.db, email);
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="personal-data.json"')
      .header('cache-control', 'no-store')
      .send(JSON.stringify(data, null, 2));
  });
}
