import { lookup } from '../shared/lookup.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { csrfToken } from '../accounts/http.js';
import type { Capability } from '../accounts/roles.js';
import { can } from '../accounts/roles.js';
import type { SiteSettings } from '../content/settings.js';
import type { DB } from '../db/database.js';
import type { Role, UserRow } from '../db/schema.js';
import { Formatter } from '../i18n/format.js';
import { AppError } from '../shared/errors.js';
import { html, raw, type SafeHtml } from '../web/theme/html.js';
import type { AdminAssets } from './assets.js';

export type AdminLang = 'ar' | 'en';

/**
 * What every admin template gets: the signed-in person, their language (the
 * admin is Arabic and right-to-left unless they chose English), a translator
 * that picks the Arabic or English text written side by side at the point of
 * use, the CSRF token for forms, and formatters in the site's time zone.
 */
export interface AdminView {
  user: UserRow | null;
  lang: AdminLang;
  t: (ar: string, en: string) => string;
  csrf: string;
  assets: AdminAssets;
  site: SiteSettings;
  /** The site's public origin (SITE_URL), for previews of links. */
  origin: string;
  fmt: Formatter;
  can: (c: Capability) => boolean;
}

export function adminView(
  req: FastifyRequest,
  reply: FastifyReply,
  assets: AdminAssets,
  site: SiteSettings,
  origin: string,
): AdminView {
  const user = req.auth?.user ?? null;
  // Signed out, the admin speaks the site's language; signed in, each person's own choice.
  const lang: AdminLang = user ? user.locale : site.lang;
  const actor = req.auth?.actor;
  return {
    user,
    lang,
    t: (ar, en) => (lang === 'ar' ? ar : en),
    csrf: csrfToken(req, reply),
    assets,
    site,
    origin,
    fmt: new Formatter({ lang, dateStyle: 'gregorian', digits: site.digits, timeZone: site.timeZone }),
    can: (c) => Boolean(actor && can(actor, c)),
  };
}

/** Messages for `?done=…` after a redirect (post/redirect/get). */
const DONE: Record<string, [string, string]> = {
  saved: ['حُفظت التغييرات.', 'Changes saved.'],
  submitted: ['أُرسل المقال للمراجعة.', 'Submitted for review.'],
  scheduled: ['جُدول المقال للنشر.', 'Scheduled.'],
  published: ['نُشر المقال.', 'Published.'],
  unpublished: ['أُلغي نشر المقال وعاد مسودة.', 'Unpublished; the article is a draft again.'],
  deleted: ['حُذف.', 'Deleted.'],
  restored: ['استُعيدت النسخة.', 'Revision restored.'],
  uploaded: ['رُفعت الصورة.', 'Image uploaded.'],
  created: ['أُنشئ الحساب.', 'Account created.'],
  merged: ['دُمج الوسمان.', 'Tags merged.'],
  'signed-out-everywhere': ['سُجّل الخروج من كل الأجهزة الأخرى.', 'Signed out everywhere else.'],
  'password-changed': ['غُيّرت كلمة المرور.', 'Password changed.'],
  'bulk-done': ['طُبّق الإجراء على المحدد.', 'Applied to the selection.'],
  'two-factor-on': ['فُعّل التحقق بخطوتين.', 'Two-factor sign-in is on.'],
  'two-factor-off': ['أُوقف التحقق بخطوتين.', 'Two-factor sign-in is off.'],
};

export function doneNotice(view: AdminView, req: FastifyRequest): string | undefined {
  const done = (req.query as Record<string, unknown> | undefined)?.done;
  const pair = typeof done === 'string' ? lookup(DONE, done) : undefined;
  return pair ? view.t(...pair) : undefined;
}

export type FormErrors = Record<string, string>;

/** An AppError about a field becomes a message next to that field; any other becomes a form-level message. */
export function formErrorsOf(view: AdminView, err: unknown): FormErrors {
  if (!(err instanceof AppError) || err.status >= 500) throw err;
  return { [err.field ?? '_form']: view.t(err.messageAr, err.messageEn) };
}

/**
 * For form routes declared with `attachValidation`: the schema's verdict as
 * messages beside the fields, so the form is shown again with what was typed.
 */
export function schemaErrors(view: AdminView, req: FastifyRequest): FormErrors | undefined {
  return req.validationError ? formErrorsOf(view, req.validationError) : undefined;
}

export const ROLE_NAMES: Record<Role, [string, string]> = {
  administrator: ['مدير', 'Administrator'],
  editor: ['محرر', 'Editor'],
  author: ['كاتب', 'Author'],
  contributor: ['مساهم', 'Contributor'],
};

export const STATUS_NAMES: Record<string, [string, string]> = {
  draft: ['مسودة', 'Draft'],
  pending: ['بانتظار المراجعة', 'Pending review'],
  scheduled: ['مجدول', 'Scheduled'],
  published: ['منشور', 'Published'],
};

export interface FieldOptions {
  name: string;
  label: string;
  value?: string;
  type?: string;
  hint?: string;
  required?: boolean;
  autocomplete?: string;
  dir?: 'rtl' | 'ltr' | 'auto';
  errors?: FormErrors;
  multiline?: boolean;
  list?: string;
  extra?: SafeHtml;
}

/** A labelled input with its hint and error wired to it for screen readers. */
export function field(o: FieldOptions): SafeHtml {
  const id = `f-${o.name}`;
  const error = o.errors?.[o.name];
  const described = [o.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const common = html`id="${id}" name="${o.name}" ${o.required ? raw('required') : ''} ${
    described ? html`aria-describedby="${described}"` : ''
  } ${error ? raw('aria-invalid="true"') : ''} ${o.dir ? html`dir="${o.dir}"` : ''} ${
    o.autocomplete ? html`autocomplete="${o.autocomplete}"` : ''
  }`;
  return html`<div class="field">
<label for="${id}">${o.label}${o.required ? html` <span aria-hidden="true">*</span>` : ''}</label>
${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}
${
  o.multiline
    ? html`<textarea ${common} ${o.extra ?? ''}>${o.value ?? ''}</textarea>`
    : html`<input type="${o.type ?? 'text'}" ${common} value="${o.value ?? ''}" ${o.list ? html`list="${o.list}"` : ''} ${o.extra ?? ''}>`
}
</div>`;
}

export function csrfField(view: AdminView): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${view.csrf}">`;
}

interface NavItem {
  href: string;
  label: [string, string];
  key: string;
  cap?: Capability;
}

const NAV: NavItem[] = [
  { href: '/admin', label: ['لوحة التحكم', 'Dashboard'], key: 'dashboard' },
  { href: '/admin/articles', label: ['المقالات', 'Articles'], key: 'articles' },
  { href: '/admin/articles/new', label: ['مقال جديد', 'New article'], key: 'new' },
  { href: '/admin/media', label: ['الوسائط', 'Media'], key: 'media' },
  { href: '/admin/comments', label: ['التعليقات', 'Comments'], key: 'comments', cap: 'moderate_comments' },
  { href: '/admin/categories', label: ['الأقسام', 'Sections'], key: 'categories', cap: 'manage_taxonomies' },
  { href: '/admin/tags', label: ['الوسوم', 'Tags'], key: 'tags', cap: 'manage_taxonomies' },
  { href: '/admin/pages', label: ['الصفحات', 'Pages'], key: 'pages', cap: 'manage_pages' },
  { href: '/admin/users', label: ['المستخدمون', 'Users'], key: 'users', cap: 'manage_users' },
  { href: '/admin/settings', label: ['الإعدادات', 'Settings'], key: 'settings', cap: 'manage_settings' },
  { href: '/admin/privacy', label: ['الخصوصية', 'Privacy'], key: 'privacy', cap: 'manage_users' },
  { href: '/admin/profile', label: ['ملفي', 'My profile'], key: 'profile' },
];

export interface AdminPageMeta {
  title: string;
  section?: string;
  notice?: string;
  error?: string;
  /** Load the editor bundle (article and page forms). */
  editor?: boolean;
}

export function adminPage(view: AdminView, meta: AdminPageMeta, body: SafeHtml): string {
  const { t } = view;
  const nav = NAV.filter((n) => !n.cap || view.can(n.cap));
  return html`<!doctype html>
<html lang="${view.lang}" dir="${view.lang === 'ar' ? 'rtl' : 'ltr'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${meta.title} ‹ ${view.site.title} ‹ ${t('الإدارة', 'Admin')}</title>
<link rel="icon" href="${view.assets.favicon}" type="image/svg+xml">
<link rel="stylesheet" href="${view.assets.css}">
${view.assets.js ? html`<script src="${view.assets.js}" defer></script>` : ''}
</head>
<body>
<a class="skip-link" href="#main">${t('انتقل إلى المحتوى', 'Skip to content')}</a>
<header class="admin-bar">
<a class="brand" href="/">${view.site.title}</a>
${
  view.user
    ? html`<nav aria-label="${t('الإدارة', 'Admin')}"><ul>${nav.map(
        (n) =>
          html`<li><a href="${n.href}" ${n.key === meta.section ? raw('aria-current="page"') : ''}>${t(...n.label)}</a></li>`,
      )}</ul></nav>
<span>${view.user.name} (${t(...ROLE_NAMES[view.user.role])})</span>
<form method="post" action="/admin/sign-out">${csrfField(view)}<button type="submit">${t('خروج', 'Sign out')}</button></form>`
    : ''
}
</header>
<main id="main">
<h1>${meta.title}</h1>
${meta.notice ? html`<p class="notice" role="status">${meta.notice}</p>` : ''}
${meta.error ? html`<p class="notice error" role="alert">${meta.error}</p>` : ''}
${body}
</main>
</body>
</html>`.value;
}

export function sendAdmin(reply: FastifyReply, page: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(page);
}

/** Recent library images, for choosing a logo, an avatar or a featured image. */
export function libraryImages(db: DB): Promise<{ id: number; alt: string; path: string }[]> {
  return db.selectFrom('media').select(['id', 'alt', 'path']).orderBy('id', 'desc').limit(200).execute();
}

export function imageChoice(
  view: AdminView,
  name: string,
  label: string,
  value: number | null,
  images: { id: number; alt: string; path: string }[],
): SafeHtml {
  return html`<label for="f-${name}">${label}</label>
<select id="f-${name}" name="${name}"><option value="0">${view.t('— بلا صورة —', '— none —')}</option>${images.map(
    (m) => html`<option value="${m.id}" ${m.id === value ? raw('selected') : ''}>${m.alt || m.path}</option>`,
  )}</select>`;
}
