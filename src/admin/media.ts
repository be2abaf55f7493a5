import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from 'typebox';
import { AnyQuery, FormBody, IdParams, isCleanText, jsonResponses, PageNumber, Text } from '../web/schemas.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkCsrf, requireAuth } from '../accounts/http.js';
import { can } from '../accounts/roles.js';
import type { MediaVariant } from '../content/types.js';
import type { MediaRow } from '../db/schema.js';
import { storeImage } from '../media/images.js';
import { AppError, badRequest, forbidden } from '../shared/errors.js';
import { field as formField } from '../web/forms.js';
import { html } from '../web/theme/html.js';
import { type AdminDeps, render, viewFor } from './deps.js';
import { csrfField, doneNotice, field, type FormErrors, formErrorsOf } from './view.js';

const PAGE_SIZE = 48;

const tooLarge = (mb: number) =>
  new AppError(
    'FILE_TOO_LARGE',
    413,
    `الملف أكبر من الحد المسموح (${mb} ميغابايت).`,
    `The file is larger than the limit (${mb} MB).`,
    'file',
  );

function thumbOf(m: MediaRow): string {
  const variants = JSON.parse(m.variants) as MediaVariant[];
  return `/media/${(variants[0] ?? m).path}`;
}

/**
 * The media library: upload (multipart, the CSRF token is the first field or
 * a header, checked before the file is read), describe, delete when unused.
 */
const MediaJson = T.Object({
  id: T.Integer(),
  url: T.String(),
  thumb: T.String(),
  alt: T.String(),
  caption: T.String(),
  width: T.Integer(),
  height: T.Integer(),
});

export async function mediaAdminRoutes(fastify: FastifyInstance, deps: AdminDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(multipart, { limits: { files: 1, fields: 10, fieldSize: 4096, parts: 12 } });
  const { media } = deps;

  /** The image named in the URL, if this person may change it (editors any, authors their own uploads). */
  const changeable = async (req: FastifyRequest<{ Params: { id: number } }>): Promise<MediaRow> => {
    const m = await media.get(req.params.id);
    if (!mayChange(req, m)) throw forbidden();
    return m;
  };

  const mayChange = (req: FastifyRequest, m: MediaRow) => {
    const { actor } = requireAuth(req);
    return can(actor, 'edit_others_articles') || (can(actor, 'upload_media') && m.uploaded_by === actor.id);
  };

  /**
   * Reads the upload. A body the multipart parser cannot read (no boundary, cut short, not multipart at all)
   * is the client's fault: a 400 with a message, not a 500.
   */
  async function receive(req: FastifyRequest): Promise<{ id: number }> {
    try {
      return await receiveParts(req);
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (err instanceof AppError || (status && status < 500)) throw err;
      if (err instanceof Error && /multipart|boundary|unexpected end|part/i.test(err.message))
        throw badRequest('file', 'تعذّرت قراءة الملف المرفوع.', 'The upload could not be read.');
      throw err;
    }
  }

  /** Text fields first (the CSRF token among them), then the one file, within the size limit. */
  async function receiveParts(req: FastifyRequest): Promise<{ id: number }> {
    const { site } = (await deps.site.get()).ctx;
    const limit = site.uploadMaxMb * 1024 * 1024;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit + 64 * 1024) throw tooLarge(site.uploadMaxMb);
    const values: Record<string, string> = {};
    let csrfChecked = false;
    const header = req.headers['x-csrf-token'];
    if (typeof header === 'string') {
      checkCsrf(req, header);
      csrfChecked = true;
    }
    for await (const part of req.parts({ limits: { fileSize: limit } })) {
      if (part.type === 'field') {
        // Multipart fields are read here, not by a route schema: the same rule for text applies.
        const value = String(part.value);
        // The multipart parser turns bytes that are not UTF-8 into U+FFFD: refused like invalid UTF-8 elsewhere.
        if (!isCleanText(value) || value.includes('\uFFFD'))
          throw badRequest(
            part.fieldname,
            'النص فيه رموز تحكم أو محارف غير صالحة (ليس UTF-8 سليماً).',
            'The text contains control characters or is not valid UTF-8.',
          );
        values[part.fieldname] = value;
        if (part.fieldname === '_csrf' && !csrfChecked) {
          checkCsrf(req, values._csrf);
          csrfChecked = true;
        }
        continue;
      }
      if (!csrfChecked) checkCsrf(req, undefined);
      let bytes: Buffer;
      try {
        bytes = await part.toBuffer();
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(site.uploadMaxMb);
        throw err;
      }
      if (!bytes.length) throw badRequest('file', 'اختر صورة لرفعها.', 'Choose an image to upload.');
      return storeImage(deps.db, deps.mediaStore, bytes, {
        name: part.filename || 'image',
        alt: (values.alt ?? '').trim().slice(0, 500),
        caption: (values.caption ?? '').trim().slice(0, 1000),
        uploadedBy: requireAuth(req).actor.id,
      });
    }
    if (!csrfChecked) checkCsrf(req, undefined);
    throw badRequest('file', 'اختر صورة لرفعها.', 'Choose an image to upload.');
  }

  const libraryPage = async (
    req: FastifyRequest,
    reply: Parameters<typeof render>[0],
    errors: FormErrors,
    status = 200,
  ) => {
    const view = await viewFor(deps, req, reply);
    const page = (req.query as { page?: number }).page ?? 1;
    const [items, total] = await Promise.all([
      media.list({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
      media.count(),
    ]);
    const uploader = view.can('upload_media');
    const body = html`${
      uploader
        ? html`<form class="panel" method="post" action="/admin/media" enctype="multipart/form-data">
${csrfField(view)}
${errors._form ? html`<p class="notice error" role="alert">${errors._form}</p>` : ''}
${field({ name: 'alt', label: view.t('النص البديل', 'Alt text'), hint: view.t('يصف الصورة لمن لا يراها؛ مطلوب قبل نشر مقال يستعملها.', 'Describes the image; required before an article using it is published.'), dir: 'auto', errors })}
${field({ name: 'caption', label: view.t('التعليق', 'Caption'), dir: 'auto', errors })}
${field({ name: 'file', label: view.t('الصورة', 'Image'), type: 'file', required: true, hint: view.t(`JPEG أو PNG أو WebP أو AVIF أو GIF، حتى ${view.site.uploadMaxMb} ميغابايت.`, `JPEG, PNG, WebP, AVIF or GIF, up to ${view.site.uploadMaxMb} MB.`), errors, extra: html`accept="image/jpeg,image/png,image/webp,image/avif,image/gif"` })}
<div class="actions"><button type="submit">${view.t('ارفع', 'Upload')}</button></div>
</form>`
        : html`<p class="hint">${view.t('يستطيع المساهمون اختيار الصور الموجودة فقط؛ الرفع للكتّاب والمحررين.', 'Contributors can use existing images; uploading is for authors and editors.')}</p>`
    }
<p>${view.fmt.plural(view.lang === 'ar' ? { zero: 'لا صور', one: 'صورة واحدة', two: 'صورتان', few: '{n} صور', many: '{n} صورة', other: '{n} صورة' } : { one: '1 image', other: '{n} images' }, total)}</p>
<div class="media-grid">${items.map(
      (m) => html`<figure id="media-${m.id}">
<img src="${thumbOf(m)}" alt="${m.alt}" loading="lazy" width="${m.width}" height="${m.height}">
<figcaption>
${m.alt ? html`<span>${m.alt}</span>` : html`<span class="missing-alt">${view.t('بلا نص بديل', 'No alt text')}</span>`}
<small dir="ltr"> ${m.width}×${m.height}</small>
${
  mayChange(req, m)
    ? html`<form method="post" action="/admin/media/${m.id}">${csrfField(view)}
<label for="alt-${m.id}">${view.t('النص البديل', 'Alt text')}</label><input type="text" id="alt-${m.id}" name="alt" value="${m.alt}" dir="auto">
<label for="caption-${m.id}">${view.t('التعليق', 'Caption')}</label><input type="text" id="caption-${m.id}" name="caption" value="${m.caption}" dir="auto">
<div class="actions"><button type="submit" class="secondary">${view.t('حفظ', 'Save')}</button>
<button type="submit" class="danger" formaction="/admin/media/${m.id}/delete" data-confirm="${view.t('حذف الصورة نهائياً؟', 'Delete this image for good?')}">${view.t('حذف', 'Delete')}</button></div>
</form>`
    : ''
}
</figcaption></figure>`,
    )}</div>
${total > page * PAGE_SIZE ? html`<p><a href="/admin/media?page=${page + 1}">${view.t('المزيد', 'More')}</a></p>` : ''}`;
    return render(
      reply,
      view,
      {
        title: view.t('مكتبة الوسائط', 'Media library'),
        section: 'media',
        notice: doneNotice(view, req),
        error: errors._error,
      },
      body,
      status,
    );
  };

  const libraryQuery = T.Object({ page: T.Optional(PageNumber) }, { additionalProperties: Text(2000) });
  app.get(
    '/admin/media',
    { config: { access: 'edit_articles' }, schema: { querystring: libraryQuery } },
    (req, reply) => libraryPage(req, reply, {}),
  );

  app.post('/admin/media', { config: { access: 'upload_media', csrfInHandler: true } }, async (req, reply) => {
    try {
      await receive(req);
    } catch (err) {
      if (err instanceof AppError && err.code === 'CSRF') throw err;
      const view = await viewFor(deps, req, reply);
      const errors = formErrorsOf(view, err);
      if (errors._form) errors.file = errors._form;
      delete errors._form;
      return libraryPage(req, reply, errors, (err as AppError).status);
    }
    return reply.redirect('/admin/media?done=uploaded', 303);
  });

  const describeSchema = {
    params: IdParams,
    body: FormBody({ alt: T.Optional(Text(500)), caption: T.Optional(Text(1000)) }),
  };
  app.post('/admin/media/:id', { config: { access: 'upload_media' }, schema: describeSchema }, async (req, reply) => {
    const m = await changeable(req);
    await media.describe(m.id, formField(req.body, 'alt'), formField(req.body, 'caption'));
    return reply.redirect(`/admin/media?done=saved#media-${m.id}`, 303);
  });

  app.post(
    '/admin/media/:id/delete',
    { config: { access: 'upload_media' }, schema: { params: IdParams, body: FormBody({}) } },
    async (req, reply) => {
      const m = await changeable(req);
      try {
        await media.remove(m.id);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'MEDIA_IN_USE') throw err;
        const view = await viewFor(deps, req, reply);
        return libraryPage(req, reply, { _error: view.t(err.messageAr, err.messageEn) }, 409);
      }
      return reply.redirect('/admin/media?done=deleted', 303);
    },
  );

  // JSON: the editor's image picker, and uploads from scripts.
  const asJson = (m: MediaRow) => ({
    id: m.id,
    url: `/media/${m.path}`,
    thumb: thumbOf(m),
    alt: m.alt,
    caption: m.caption,
    width: m.width,
    height: m.height,
  });

  const listSchema = {
    querystring: T.Object(
      { page: T.Optional(PageNumber), limit: T.Optional(T.Integer({ minimum: 1, maximum: 100 })) },
      { additionalProperties: Text(2000) },
    ),
    response: jsonResponses(T.Object({ media: T.Array(MediaJson) })),
  };
  app.get('/api/v1/admin/media', { config: { access: 'edit_articles' }, schema: listSchema }, async (req) => {
    const limit = req.query.limit ?? 30;
    const page = req.query.page ?? 1;
    return { media: (await media.list({ limit, offset: (page - 1) * limit })).map(asJson) };
  });

  const uploadSchema = { response: jsonResponses(T.Object({ media: MediaJson }), 201) };
  const uploadJson = { config: { access: 'upload_media' as const, csrfInHandler: true }, schema: uploadSchema };
  app.post('/api/v1/admin/media', uploadJson, async (req, reply) => {
    const stored = await receive(req);
    return reply.code(201).send({ media: asJson(await media.get(stored.id)) });
  });

  const deleteSchema = { params: IdParams, querystring: AnyQuery, response: jsonResponses(T.Null(), 204) };
  app.delete(
    '/api/v1/admin/media/:id',
    { config: { access: 'upload_media' }, schema: deleteSchema },
    async (req, reply) => {
      const m = await changeable(req);
      await media.remove(m.id);
      return reply.code(204).send();
    },
  );
}
