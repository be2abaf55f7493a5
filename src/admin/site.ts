import { writeTransaction } from '../db/transaction.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type TSchema, Type as T } from 'typebox';
import { AnyQuery, FormBody, IdField, IdParams, Text } from '../web/schemas.js';
import { type SiteSettings, InvalidSettingError } from '../content/settings.js';
import { savePage } from '../content/service.js';
import { Taxonomy } from '../content/taxonomy.js';
import { AppError, notFound } from '../shared/errors.js';
import { field as formField } from '../web/forms.js';
import { html, raw } from '../web/theme/html.js';
import { type AdminDeps, render, viewFor } from './deps.js';
import {
  type AdminView,
  csrfField,
  doneNotice,
  field,
  type FormErrors,
  formErrorsOf,
  schemaErrors,
  imageChoice,
  libraryImages,
} from './view.js';

const Count = T.String({ pattern: '^-?[0-9]{0,7}$' });
const CategoryBody = FormBody({
  name: T.Optional(Text(1000)),
  slug: T.Optional(Text(1000)),
  description: T.Optional(Text(10_000)),
  parent: T.Optional(IdField),
  position: T.Optional(Count),
  move_to: T.Optional(IdField),
});
const TagBody = FormBody({ name: T.Optional(Text(1000)), from: T.Optional(IdField), into: T.Optional(IdField) });
const PageBody = FormBody({
  title: T.Optional(Text(2000)),
  slug: T.Optional(Text(1000)),
  body: T.Optional(Text(2_000_000)),
  status: T.Optional(Text(20)),
});
const SettingsBody = FormBody({
  title: T.Optional(Text(2000)),
  tagline: T.Optional(Text(2000)),
  copyright: T.Optional(Text(2000)),
  credit: T.Optional(Text(2000)),
  timeZone: T.Optional(Text(100)),
  lang: T.Optional(Text(10)),
  direction: T.Optional(Text(10)),
  dateStyle: T.Optional(Text(20)),
  digits: T.Optional(Text(20)),
  feedFullText: T.Optional(Text(10)),
  commentsEnabled: T.Optional(Text(10)),
  commentModeration: T.Optional(Text(20)),
  commentOrder: T.Optional(Text(20)),
  commentDepth: T.Optional(Count),
  commentsPerPage: T.Optional(Count),
  commentsCloseAfterDays: T.Optional(Count),
  commentMaxLinks: T.Optional(Count),
  commentHoldList: T.Optional(Text(20_000)),
  commentSpamList: T.Optional(Text(20_000)),
  robotsTxt: T.Optional(Text(5000)),
  postsPerPage: T.Optional(Count),
  uploadMaxMb: T.Optional(Count),
  logoMediaId: T.Optional(IdField),
});

/** Sections, tags, static pages and site settings. */
export async function siteAdminRoutes(fastify: FastifyInstance, deps: AdminDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const taxonomy = new Taxonomy(deps.db);
  const { content, db } = deps;
  const tax = { config: { access: 'manage_taxonomies' as const } };
  const pagesAccess = { config: { access: 'manage_pages' as const } };
  const settingsAccess = { config: { access: 'manage_settings' as const } };
  // Forms show themselves again on bad input (withForm and the handlers read the schema's verdict).
  const taxForm = <B extends TSchema>(body: B) => ({ ...tax, schema: { body }, attachValidation: true });
  const taxFormOn = <B extends TSchema>(body: B) => ({
    ...tax,
    schema: { params: IdParams, body },
    attachValidation: true,
  });
  const listPage = <A>(access: A) => ({ ...access, schema: { querystring: AnyQuery } });

  // ---- sections ----
  const categoriesPage = async (req: FastifyRequest, reply: FastifyReply, errors: FormErrors, status = 200) => {
    const view = await viewFor(deps, req, reply);
    const [categories, counts] = await Promise.all([content.categories(), content.categoryCounts()]);
    const byParent = new Map<number | null, typeof categories>();
    for (const c of categories) byParent.set(c.parent_id, [...(byParent.get(c.parent_id) ?? []), c]);
    const options = (selected: number | null, except?: number) =>
      categories
        .filter((c) => c.id !== except)
        .map((c) => html`<option value="${c.id}" ${c.id === selected ? raw('selected') : ''}>${c.name}</option>`);
    const tree = (parent: number | null, depth: number): ReturnType<typeof html>[] =>
      (byParent.get(parent) ?? []).flatMap((c) => [
        html`<tr><td>${'— '.repeat(depth)}${c.name}</td><td dir="auto">${c.slug}</td><td>${view.fmt.num(counts.get(c.id) ?? 0)}</td>
<td><details><summary>${view.t('تعديل', 'Edit')}</summary>
<form method="post" action="/admin/categories/${c.id}">${csrfField(view)}
<label for="name-${c.id}">${view.t('الاسم', 'Name')}</label><input id="name-${c.id}" name="name" value="${c.name}" dir="auto" required>
<label for="slug-${c.id}">${view.t('الرابط المختصر', 'Slug')}</label><input id="slug-${c.id}" name="slug" value="${c.slug}" dir="auto">
<label for="parent-${c.id}">${view.t('القسم الأب', 'Parent')}</label><select id="parent-${c.id}" name="parent"><option value="">${view.t('— لا شيء —', '— none —')}</option>${options(c.parent_id, c.id)}</select>
<label for="description-${c.id}">${view.t('الوصف', 'Description')}</label><textarea id="description-${c.id}" name="description" dir="auto">${c.description}</textarea>
<label for="position-${c.id}">${view.t('الترتيب', 'Order')}</label><input type="number" id="position-${c.id}" name="position" value="${c.position}">
<div class="actions"><button type="submit">${view.t('حفظ', 'Save')}</button></div></form>
<form method="post" action="/admin/categories/${c.id}/delete">${csrfField(view)}
<label for="move-${c.id}">${view.t('انقل مقالاته إلى', 'Move its articles to')}</label><select id="move-${c.id}" name="move_to">${options(null, c.id)}</select>
<div class="actions"><button type="submit" class="danger" data-confirm="${view.t('حذف القسم؟', 'Delete this section?')}">${view.t('احذف القسم', 'Delete section')}</button></div></form>
</details></td></tr>`,
        ...tree(c.id, depth + 1),
      ]);
    return render(
      reply,
      view,
      {
        title: view.t('الأقسام', 'Sections'),
        section: 'categories',
        notice: doneNotice(view, req),
        error: errors._form,
      },
      html`<table><thead><tr><th>${view.t('القسم', 'Section')}</th><th>${view.t('الرابط', 'Slug')}</th><th>${view.t('المقالات المنشورة', 'Published')}</th><th></th></tr></thead><tbody>${tree(null, 0)}</tbody></table>
<form class="panel" method="post" action="/admin/categories">
<h2>${view.t('قسم جديد', 'New section')}</h2>${csrfField(view)}
${field({ name: 'name', label: view.t('الاسم', 'Name'), required: true, dir: 'auto', errors })}
${field({ name: 'slug', label: view.t('الرابط المختصر', 'Slug'), dir: 'auto', errors })}
<label for="f-parent">${view.t('القسم الأب', 'Parent')}</label><select id="f-parent" name="parent"><option value="">${view.t('— لا شيء —', '— none —')}</option>${options(null)}</select>
${field({ name: 'description', label: view.t('الوصف', 'Description'), multiline: true, dir: 'auto', errors })}
<div class="actions"><button type="submit">${view.t('أضف', 'Add')}</button></div></form>`,
      status,
    );
  };

  const categoryInput = (body: unknown) => ({
    name: formField(body, 'name'),
    slug: formField(body, 'slug'),
    description: formField(body, 'description'),
    parentId: formField(body, 'parent') ? Number(formField(body, 'parent')) : null,
    position: formField(body, 'position') ? Number(formField(body, 'position')) : undefined,
  });

  const withForm = async (
    req: FastifyRequest,
    reply: FastifyReply,
    work: () => Promise<unknown>,
    done: string,
    again: typeof categoriesPage,
  ) => {
    try {
      if (req.validationError) throw req.validationError;
      await work();
    } catch (err) {
      if (err instanceof AppError && err.status === 404) throw err;
      const view = await viewFor(deps, req, reply);
      const errors = formErrorsOf(view, err);
      return again(req, reply, { _form: Object.values(errors)[0]!, ...errors }, (err as AppError).status);
    }
    return reply.redirect(done, 303);
  };

  app.get('/admin/categories', listPage(tax), (req, reply) => categoriesPage(req, reply, {}));
  app.post('/admin/categories', taxForm(CategoryBody), (req, reply) =>
    withForm(
      req,
      reply,
      () => taxonomy.saveCategory(undefined, categoryInput(req.body)),
      '/admin/categories?done=saved',
      categoriesPage,
    ),
  );
  app.post('/admin/categories/:id', taxFormOn(CategoryBody), (req, reply) =>
    withForm(
      req,
      reply,
      () => taxonomy.saveCategory(req.params.id, categoryInput(req.body)),
      '/admin/categories?done=saved',
      categoriesPage,
    ),
  );
  app.post('/admin/categories/:id/delete', taxFormOn(CategoryBody), (req, reply) =>
    withForm(
      req,
      reply,
      () => taxonomy.deleteCategory(req.params.id, Number(formField(req.body, 'move_to')) || 0),
      '/admin/categories?done=deleted',
      categoriesPage,
    ),
  );

  // ---- tags ----
  const tagsPage = async (req: FastifyRequest, reply: FastifyReply, errors: FormErrors, status = 200) => {
    const view = await viewFor(deps, req, reply);
    const tags = await taxonomy.tagsWithCounts();
    const options = tags.map((t) => html`<option value="${t.id}">${t.name}</option>`);
    return render(
      reply,
      view,
      { title: view.t('الوسوم', 'Tags'), section: 'tags', notice: doneNotice(view, req), error: errors._form },
      html`<form class="panel" method="post" action="/admin/tags/merge">
<h2>${view.t('دمج وسمين', 'Merge two tags')}</h2>${csrfField(view)}
<p class="hint">${view.t('تنتقل مقالات الأول إلى الثاني، ويُحذف الأول، ويحوَّل رابطه.', 'The first tag’s articles move to the second; the first is deleted and its URL redirected.')}</p>
<label for="f-from">${view.t('الوسم المدموج', 'Merge')}</label><select id="f-from" name="from">${options}</select>
<label for="f-into">${view.t('في الوسم', 'Into')}</label><select id="f-into" name="into">${options}</select>
<div class="actions"><button type="submit" data-confirm="${view.t('دمج الوسمين؟', 'Merge these tags?')}">${view.t('ادمج', 'Merge')}</button></div></form>
<table><thead><tr><th>${view.t('الوسم', 'Tag')}</th><th>${view.t('المقالات', 'Articles')}</th><th></th></tr></thead><tbody>${tags.map(
        (t) => html`<tr><td>${t.name}</td><td>${view.fmt.num(t.articles)}</td><td>
<form method="post" action="/admin/tags/${t.id}">${csrfField(view)}<label class="visually-hidden" for="tag-${t.id}">${view.t('الاسم', 'Name')}</label><input id="tag-${t.id}" name="name" value="${t.name}" dir="auto"> <button type="submit" class="secondary">${view.t('أعد التسمية', 'Rename')}</button>
<button type="submit" class="danger" formaction="/admin/tags/${t.id}/delete" data-confirm="${view.t('حذف الوسم؟', 'Delete this tag?')}">${view.t('احذف', 'Delete')}</button></form></td></tr>`,
      )}</tbody></table>`,
      status,
    );
  };
  app.get('/admin/tags', listPage(tax), (req, reply) => tagsPage(req, reply, {}));
  app.post('/admin/tags/merge', taxForm(TagBody), (req, reply) =>
    withForm(
      req,
      reply,
      () => taxonomy.mergeTags(Number(formField(req.body, 'from')) || 0, Number(formField(req.body, 'into')) || 0),
      '/admin/tags?done=merged',
      tagsPage,
    ),
  );
  app.post('/admin/tags/:id', taxFormOn(TagBody), (req, reply) =>
    withForm(
      req,
      reply,
      () => taxonomy.renameTag(req.params.id, formField(req.body, 'name')),
      '/admin/tags?done=saved',
      tagsPage,
    ),
  );
  app.post('/admin/tags/:id/delete', taxFormOn(TagBody), (req, reply) =>
    withForm(req, reply, () => taxonomy.deleteTag(req.params.id), '/admin/tags?done=deleted', tagsPage),
  );

  // ---- static pages ----
  const pageForm = (
    view: AdminView,
    values: { id?: number; title: string; slug: string; body: string; status: string },
    errors: FormErrors,
  ) => html`<form class="panel" method="post" action="${values.id ? `/admin/pages/${values.id}` : '/admin/pages'}" data-article-form novalidate>
${csrfField(view)}
${errors._form ? html`<p class="notice error" role="alert">${errors._form}</p>` : ''}
${field({ name: 'title', label: view.t('العنوان', 'Title'), value: values.title, required: true, dir: 'auto', errors })}
${field({ name: 'slug', label: view.t('الرابط المختصر', 'Slug'), value: values.slug, dir: 'auto', errors })}
${field({ name: 'body', label: view.t('النص', 'Body'), value: values.body, multiline: true, errors, extra: html`data-rich-editor` })}
<label for="f-status">${view.t('الحالة', 'Status')}</label>
<select id="f-status" name="status"><option value="published" ${values.status === 'published' ? raw('selected') : ''}>${view.t('منشورة', 'Published')}</option><option value="draft" ${values.status === 'draft' ? raw('selected') : ''}>${view.t('مسودة', 'Draft')}</option></select>
<div class="actions"><button type="submit">${view.t('حفظ', 'Save')}</button></div>
</form>`;

  app.get('/admin/pages', listPage(pagesAccess), async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const pages = await db.selectFrom('pages').select(['id', 'title', 'slug', 'status']).orderBy('title').execute();
    return render(
      reply,
      view,
      { title: view.t('الصفحات', 'Pages'), section: 'pages', notice: doneNotice(view, req) },
      html`<p class="actions"><a class="button" href="/admin/pages/new">${view.t('صفحة جديدة', 'New page')}</a></p>
<table><thead><tr><th>${view.t('العنوان', 'Title')}</th><th>${view.t('الرابط', 'Slug')}</th><th>${view.t('الحالة', 'Status')}</th></tr></thead><tbody>${pages.map(
        (p) =>
          html`<tr><td><a href="/admin/pages/${p.id}">${p.title}</a></td><td dir="auto">/${p.slug}</td><td>${p.status === 'published' ? view.t('منشورة', 'Published') : view.t('مسودة', 'Draft')}</td></tr>`,
      )}</tbody></table>`,
    );
  });

  const showPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    values: Parameters<typeof pageForm>[1],
    errors: FormErrors,
    status = 200,
  ) => {
    const view = await viewFor(deps, req, reply);
    return render(
      reply,
      view,
      {
        title: values.id ? view.t('تحرير صفحة', 'Edit page') : view.t('صفحة جديدة', 'New page'),
        section: 'pages',
        editor: true,
        notice: doneNotice(view, req),
      },
      pageForm(view, values, errors),
      status,
    );
  };
  app.get('/admin/pages/new', listPage(pagesAccess), (req, reply) =>
    showPage(req, reply, { title: '', slug: '', body: '', status: 'published' }, {}),
  );
  const onPage = { ...pagesAccess, schema: { params: IdParams, querystring: AnyQuery } };
  app.get('/admin/pages/:id', onPage, async (req, reply) => {
    const p = await db.selectFrom('pages').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!p) throw notFound('Page');
    return showPage(req, reply, { id: p.id, title: p.title, slug: p.slug, body: p.body_html, status: p.status }, {});
  });
  const savePageFrom = async (req: FastifyRequest, reply: FastifyReply, id: number | undefined) => {
    const values = {
      id,
      title: formField(req.body, 'title'),
      slug: formField(req.body, 'slug'),
      body: formField(req.body, 'body'),
      status: formField(req.body, 'status') === 'draft' ? 'draft' : 'published',
    };
    try {
      if (req.validationError) throw req.validationError;
      if (!values.title.trim())
        throw new AppError('INVALID_INPUT', 400, 'العنوان مطلوب.', 'A title is required.', 'title');
      if (values.body.length > 1_000_000)
        throw new AppError('INVALID_INPUT', 400, 'النص طويل جداً.', 'The body is too long.', 'body');
      const savedId = await writeTransaction(db, (trx) =>
        savePage(trx, {
          id,
          title: values.title.trim(),
          slug: values.slug.trim() || undefined,
          bodyHtml: values.body,
          status: values.status as 'draft' | 'published',
        }),
      );
      return reply.redirect(`/admin/pages/${savedId}?done=saved`, 303);
    } catch (err) {
      if (err instanceof AppError && err.status === 404) throw err;
      const view = await viewFor(deps, req, reply);
      return showPage(req, reply, values, formErrorsOf(view, err), (err as AppError).status);
    }
  };
  const newPageForm = { ...pagesAccess, schema: { body: PageBody }, attachValidation: true };
  const editPageForm = { ...pagesAccess, schema: { params: IdParams, body: PageBody }, attachValidation: true };
  app.post('/admin/pages', newPageForm, (req, reply) => savePageFrom(req, reply, undefined));
  app.post('/admin/pages/:id', editPageForm, (req, reply) => savePageFrom(req, reply, req.params.id));

  // ---- settings ----
  const TEXT_KEYS = ['title', 'tagline', 'copyright', 'credit', 'timeZone'] as const;
  const settingsPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    values: SiteSettings,
    errors: FormErrors,
    status = 200,
  ) => {
    const view = await viewFor(deps, req, reply);
    const images = await libraryImages(db);
    const choice = (
      name: keyof SiteSettings,
      label: string,
      options: [string, string][],
    ) => html`<label for="f-${name}">${label}</label>
<select id="f-${name}" name="${name}">${options.map(([v, l]) => html`<option value="${v}" ${String(values[name]) === v ? raw('selected') : ''}>${l}</option>`)}</select>`;
    return render(
      reply,
      view,
      {
        title: view.t('إعدادات الموقع', 'Site settings'),
        section: 'settings',
        notice: doneNotice(view, req),
        error:
          errors._form ?? (deps.siteUrl.problem ? view.t(deps.siteUrl.problem.ar, deps.siteUrl.problem.en) : undefined),
      },
      html`<form class="panel" method="post" action="/admin/settings" novalidate>${csrfField(view)}
${field({ name: 'title', label: view.t('اسم الموقع', 'Site title'), value: values.title, required: true, dir: 'auto', errors })}
${field({ name: 'tagline', label: view.t('الشعار', 'Tagline'), value: values.tagline, dir: 'auto', errors })}
${choice('lang', view.t('لغة الموقع', 'Site language'), [
  ['ar', 'العربية'],
  ['en', 'English'],
])}
${choice('direction', view.t('الاتجاه', 'Direction'), [
  ['rtl', view.t('من اليمين إلى اليسار', 'Right to left')],
  ['ltr', view.t('من اليسار إلى اليمين', 'Left to right')],
])}
${choice('dateStyle', view.t('التاريخ', 'Dates'), [
  ['both', view.t('ميلادي وهجري', 'Gregorian and Hijri')],
  ['gregorian', view.t('ميلادي', 'Gregorian')],
  ['hijri', view.t('هجري', 'Hijri')],
])}
${choice('digits', view.t('الأرقام', 'Digits'), [
  ['latin', '0123456789'],
  ['arabic', '٠١٢٣٤٥٦٧٨٩'],
])}
${field({ name: 'timeZone', label: view.t('المنطقة الزمنية', 'Time zone'), value: values.timeZone, dir: 'ltr', hint: 'Asia/Riyadh, Africa/Cairo, Europe/London…', errors })}
${field({ name: 'copyright', label: view.t('سطر حقوق النشر', 'Copyright line'), value: values.copyright, dir: 'auto', hint: view.t('{year} تصبح السنة الحالية.', '{year} becomes the current year.'), errors })}
${field({ name: 'credit', label: view.t('سطر الشكر', 'Credit line'), value: values.credit, dir: 'auto', errors })}
<p><strong>${view.t('العنوان العام للموقع', 'Public address')}:</strong> <span dir="ltr">${view.origin}</span><br><small>${view.t('يُضبط بمتغير البيئة SITE_URL؛ كل رابط كامل يكتبه سفير يبدأ به.', 'Set with the SITE_URL environment variable; every absolute link Safir writes starts with it.')}</small></p>
${field({ name: 'postsPerPage', label: view.t('مقالات في الصفحة', 'Articles per page'), type: 'number', value: String(values.postsPerPage), errors })}
<label class="checkbox"><input type="checkbox" name="feedFullText" value="1" ${values.feedFullText ? raw('checked') : ''}> ${view.t('الخلاصات تحمل النص الكامل (وإلا فالمقتطف)', 'Feeds carry the full text (otherwise the excerpt)')}</label>
${field({ name: 'robotsTxt', label: view.t('أسطر إضافية لملف robots.txt', 'Extra robots.txt lines'), value: values.robotsTxt, multiline: true, dir: 'ltr', hint: view.t('سطر خريطة الموقع ومنع /admin موجودان دائماً.', 'The sitemap line and Disallow: /admin are always there.'), errors })}
<h2>${view.t('التعليقات', 'Comments')}</h2>
<label class="checkbox"><input type="checkbox" name="commentsEnabled" value="1" ${values.commentsEnabled ? raw('checked') : ''}> ${view.t('السماح بالتعليقات على الموقع', 'Allow comments on the site')}</label>
${choice('commentModeration', view.t('المراجعة قبل النشر', 'Moderation before publishing'), [
  ['first', view.t('تعليق المعلّق الأول فقط', 'Only a first-time commenter')],
  ['all', view.t('كل تعليق', 'Every comment')],
  ['none', view.t('لا شيء', 'None')],
])}
${choice('commentOrder', view.t('ترتيب التعليقات', 'Comment order'), [
  ['oldest', view.t('الأقدم أولاً', 'Oldest first')],
  ['newest', view.t('الأحدث أولاً', 'Newest first')],
])}
${field({ name: 'commentDepth', label: view.t('عمق الردود', 'Reply depth'), type: 'number', value: String(values.commentDepth), errors })}
${field({ name: 'commentsPerPage', label: view.t('سلاسل في الصفحة', 'Threads per page'), type: 'number', value: String(values.commentsPerPage), errors })}
${field({ name: 'commentsCloseAfterDays', label: view.t('إغلاق التعليقات بعد (أيام، 0 = أبداً)', 'Close comments after (days, 0 = never)'), type: 'number', value: String(values.commentsCloseAfterDays), errors })}
${field({ name: 'commentMaxLinks', label: view.t('احجز التعليق إذا زادت روابطه عن', 'Hold a comment with more links than'), type: 'number', value: String(values.commentMaxLinks), errors })}
${field({ name: 'commentHoldList', label: view.t('قائمة المراجعة', 'Moderation list'), value: values.commentHoldList, multiline: true, dir: 'auto', hint: view.t('سطر لكل كلمة أو بريد أو نطاق IP (مثل 192.0.2.0/24).', 'One word, email or IP range (e.g. 192.0.2.0/24) per line.'), errors })}
${field({ name: 'commentSpamList', label: view.t('قائمة الإزعاج', 'Spam list'), value: values.commentSpamList, multiline: true, dir: 'auto', errors })}
<h2>${view.t('الموقع', 'Site')}</h2>
${imageChoice(view, 'logoMediaId', view.t('الشعار (صورة من المكتبة)', 'Logo (a library image)'), values.logoMediaId, images)}
${field({ name: 'uploadMaxMb', label: view.t('أقصى حجم للرفع (ميغابايت)', 'Largest upload (MB)'), type: 'number', value: String(values.uploadMaxMb), errors })}
<div class="actions"><button type="submit">${view.t('حفظ', 'Save')}</button></div></form>`,
      status,
    );
  };
  app.get('/admin/settings', listPage(settingsAccess), async (req, reply) =>
    settingsPage(req, reply, await deps.settings.get(), {}),
  );
  const settingsForm = { ...settingsAccess, schema: { body: SettingsBody }, attachValidation: true };
  app.post('/admin/settings', settingsForm, async (req, reply) => {
    const current = await deps.settings.get();
    const view = await viewFor(deps, req, reply);
    const invalid = schemaErrors(view, req);
    if (invalid)
      return settingsPage(
        req,
        reply,
        current,
        {
          ...invalid,
          _form: view.t('لم تُحفظ الإعدادات؛ صحّح الحقل المشار إليه.', 'Not saved; correct the marked field.'),
        },
        400,
      );
    const changes: Record<string, unknown> = {};
    for (const key of TEXT_KEYS) changes[key] = formField(req.body, key).trim();
    for (const key of ['lang', 'direction', 'dateStyle', 'digits'] as const) changes[key] = formField(req.body, key);
    changes.feedFullText = formField(req.body, 'feedFullText') === '1';
    // Older forms without the comment fields keep the current comment settings.
    if (formField(req.body, 'commentModeration')) {
      changes.commentsEnabled = formField(req.body, 'commentsEnabled') === '1';
      for (const key of ['commentModeration', 'commentOrder'] as const) changes[key] = formField(req.body, key);
      for (const key of ['commentDepth', 'commentsPerPage', 'commentsCloseAfterDays', 'commentMaxLinks'] as const)
        changes[key] = Number(formField(req.body, key));
      for (const key of ['commentHoldList', 'commentSpamList'] as const)
        changes[key] = formField(req.body, key).replace(/\r\n/g, '\n');
    }
    changes.robotsTxt = formField(req.body, 'robotsTxt').replace(/\r\n/g, '\n').trim();
    for (const key of ['postsPerPage', 'uploadMaxMb', 'logoMediaId'] as const)
      changes[key] = Number(formField(req.body, key) || 0);
    if (
      changes.logoMediaId &&
      !(await db
        .selectFrom('media')
        .select('id')
        .where('id', '=', changes.logoMediaId as number)
        .executeTakeFirst())
    )
      changes.logoMediaId = -1; // refused below as an invalid value
    try {
      if (!changes.title) throw new InvalidSettingError('title');
      await deps.settings.update(changes as Partial<SiteSettings>);
    } catch (err) {
      if (!(err instanceof InvalidSettingError)) throw err;
      const message = view.t('القيمة غير صالحة.', 'This value is not valid.');
      return settingsPage(
        req,
        reply,
        { ...current, ...changes } as SiteSettings,
        {
          [err.key]: message,
          _form: view.t('لم تُحفظ الإعدادات؛ صحّح الحقل المشار إليه.', 'Not saved; correct the marked field.'),
        },
        400,
      );
    }
    return reply.redirect('/admin/settings?done=saved', 303);
  });
}
