import type { DraftInput, EditorialAction } from '../content/editorial.js';
import type { ArticleRow } from '../db/schema.js';
import { readingMinutes } from '../i18n/format.js';
import { messagesFor, type PluralForms } from '../i18n/messages.js';
import { parseInstant, utcToZoned } from '../shared/time.js';
import { badRequest } from '../shared/errors.js';
import { html, raw, type SafeHtml } from '../web/theme/html.js';
import { type AdminView, csrfField, field, type FormErrors, STATUS_NAMES } from './view.js';

/** The editor form's fields as the browser sends them (also accepted as JSON by the admin API). */
export interface ArticleFormState {
  id: string;
  title: string;
  slug: string;
  excerpt: string;
  body: string;
  category: string;
  tags: string;
  featured_media: string;
  author: string;
  featured: boolean;
  breaking: boolean;
  /** Undefined when the form did not carry the box: the article keeps what it had. */
  comments_open: boolean | undefined;
  /** A new password typed in the form (a password is never shown, only replaced or removed). */
  article_password: string;
  remove_password: boolean;
  seo_title: string;
  seo_description: string;
  publish_at: string;
  updated_at: string;
}

const WORDS_AR: PluralForms = {
  zero: 'لا كلمات',
  one: 'كلمة واحدة',
  two: 'كلمتان',
  few: '{n} كلمات',
  many: '{n} كلمة',
  other: '{n} كلمة',
};
const WORDS_EN: PluralForms = { one: '1 word', other: '{n} words' };

const ACTIONS: EditorialAction[] = ['save', 'submit', 'schedule', 'publish', 'unpublish'];

function text(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return '';
}

const flag = (body: Record<string, unknown>, name: string) => {
  const v = body[name];
  return v === true || v === '1' || v === 'on' || v === 'true' || v === 1;
};

export function formStateOf(body: unknown): ArticleFormState {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  return {
    id: text(b, 'id'),
    title: text(b, 'title'),
    slug: text(b, 'slug'),
    excerpt: text(b, 'excerpt'),
    body: text(b, 'body'),
    category: text(b, 'category'),
    tags: Array.isArray(b.tags)
      ? (b.tags as unknown[]).filter((t) => typeof t === 'string').join('، ')
      : text(b, 'tags'),
    featured_media: text(b, 'featured_media'),
    author: text(b, 'author'),
    featured: flag(b, 'featured'),
    breaking: flag(b, 'breaking'),
    comments_open:
      b.comments_open === undefined && b.comments_state === undefined ? undefined : flag(b, 'comments_open'),
    article_password: text(b, 'article_password'),
    remove_password: flag(b, 'remove_password'),
    seo_title: text(b, 'seo_title'),
    seo_description: text(b, 'seo_description'),
    publish_at: text(b, 'publish_at'),
    updated_at: text(b, 'updated_at'),
  };
}

export function formStateFromArticle(a: ArticleRow, tags: string[], timeZone: string): ArticleFormState {
  return {
    id: String(a.id),
    title: a.title,
    slug: a.slug,
    excerpt: a.excerpt,
    body: a.body_html,
    category: String(a.category_id),
    tags: tags.join('، '),
    featured_media: a.featured_media_id ? String(a.featured_media_id) : '',
    author: String(a.author_id),
    featured: Boolean(a.featured),
    breaking: Boolean(a.breaking),
    comments_open: Boolean(a.comments_open),
    article_password: '',
    remove_password: false,
    seo_title: a.seo_title,
    seo_description: a.seo_description,
    publish_at: a.published_at ? utcToZoned(a.published_at, timeZone) : '',
    updated_at: a.updated_at,
  };
}

const optionalId = (value: string, fieldName: string): number | undefined => {
  if (!value.trim()) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw badRequest(fieldName, 'قيمة غير صالحة.', 'Invalid value.');
  return n;
};

export const badPublishTime = () =>
  badRequest(
    'publish_at',
    'موعد النشر غير صالح. اكتبه مثل 2026-11-26T09:00 (بتوقيت الموقع) أو 2026-11-26T09:00:00+03:00.',
    'The publishing time is not valid. Write it like 2026-11-26T09:00 (site time) or 2026-11-26T09:00:00+03:00.',
  );

/** Form state → what the editorial service takes; times typed in the site's zone become UTC. */
export function draftOf(
  state: ArticleFormState,
  timeZone: string,
): { input: DraftInput; publishAt?: string; expectedUpdatedAt?: string } {
  const publishAt = state.publish_at.trim() ? parseInstant(state.publish_at, timeZone) : undefined;
  if (state.publish_at.trim() && !publishAt) throw badPublishTime();
  return {
    input: {
      title: state.title,
      slug: state.slug.trim() || undefined,
      excerpt: state.excerpt,
      bodyHtml: state.body,
      categoryId: optionalId(state.category, 'category') ?? 0,
      tagNames: state.tags
        .split(/[,،]/)
        .map((t) => t.trim())
        .filter(Boolean),
      featuredMediaId: optionalId(state.featured_media, 'featured_media') ?? null,
      authorId: optionalId(state.author, 'author'),
      featured: state.featured,
      breaking: state.breaking,
      commentsOpen: state.comments_open,
      password: state.remove_password ? null : state.article_password || undefined,
      seoTitle: state.seo_title,
      seoDescription: state.seo_description,
    },
    publishAt,
    expectedUpdatedAt: state.updated_at || undefined,
  };
}

export function actionOf(value: unknown): EditorialAction {
  return typeof value === 'string' && (ACTIONS as string[]).includes(value) ? (value as EditorialAction) : 'save';
}

export interface ArticleFormOptions {
  article?: ArticleRow;
  categories: { id: number; name: string }[];
  authors: { id: number; name: string }[];
  images: { id: number; alt: string; path: string }[];
  errors: FormErrors;
  autosaveMs?: number;
}

/** The article editor. Works as a plain form; the editor bundle turns the body into a rich-text editor. */
export function articleForm(view: AdminView, s: ArticleFormState, o: ArticleFormOptions): SafeHtml {
  const { t } = view;
  const a = o.article;
  const action = a ? `/admin/articles/${a.id}` : '/admin/articles';
  const editors = view.can('edit_others_articles');
  const publisher = view.can('publish_articles');
  const words = a?.word_count ?? 0;
  const select = (
    name: string,
    label: string,
    options: { id: number; name: string }[],
    value: string,
    empty?: string,
  ) => {
    const error = o.errors[name];
    return html`<label for="f-${name}">${label}</label>
${error ? html`<p class="field-error" id="f-${name}-error">${error}</p>` : ''}
<select id="f-${name}" name="${name}" ${error ? raw(`aria-invalid="true" aria-describedby="f-${name}-error"`) : ''}>
${empty !== undefined ? html`<option value="">${empty}</option>` : ''}
${options.map((c) => html`<option value="${c.id}" ${String(c.id) === value ? raw('selected') : ''}>${c.name}</option>`)}
</select>`;
  };
  return html`<form method="post" action="${action}" data-article-form data-autosave-ms="${o.autosaveMs ?? 20000}" data-writer="${String(view.user?.id ?? '')}" novalidate>
${csrfField(view)}
<input type="hidden" name="id" value="${s.id}">
<input type="hidden" name="updated_at" value="${s.updated_at}">
${o.errors._form ? html`<p class="notice error" role="alert">${o.errors._form}</p>` : ''}
<div class="editor-layout">
<div>
<div class="panel">
${field({ name: 'title', label: t('العنوان', 'Title'), value: s.title, required: true, dir: 'auto', errors: o.errors })}
${field({ name: 'slug', label: t('الرابط المختصر', 'Slug'), value: s.slug, dir: 'auto', hint: t('يُولَّد من العنوان إن تُرك فارغاً؛ تغييره بعد النشر يحوّل الرابط القديم تلقائياً.', 'Made from the title when empty; changing it after publishing redirects the old URL.'), errors: o.errors })}
${field({ name: 'body', label: t('نص المقال', 'Body'), value: s.body, multiline: true, errors: o.errors, hint: t('HTML؛ يظهر محرر منسق حين تعمل جافاسكربت.', 'HTML; a rich-text editor appears when JavaScript runs.'), extra: html`data-rich-editor aria-label="${t('نص المقال', 'Article body')}"` })}
<p class="hint" data-word-count>${view.fmt.plural(view.lang === 'ar' ? WORDS_AR : WORDS_EN, words)} · ${view.fmt.plural(messagesFor(view.lang).readingTime, readingMinutes(words))}</p>
<p class="hint" data-autosave-status role="status"></p>
${field({ name: 'excerpt', label: t('المقتطف', 'Excerpt'), value: s.excerpt, multiline: true, dir: 'auto', hint: t('يظهر في القوائم؛ يُؤخذ من أول النص إن تُرك فارغاً.', 'Shown in lists; taken from the text when empty.'), errors: o.errors })}
</div>
<div class="panel">
<h2>${t('محركات البحث', 'Search engines')}</h2>
${field({ name: 'seo_title', label: t('عنوان محركات البحث', 'SEO title'), value: s.seo_title, dir: 'auto', errors: o.errors })}
${field({ name: 'seo_description', label: t('وصف محركات البحث', 'SEO description'), value: s.seo_description, multiline: true, dir: 'auto', errors: o.errors })}
<p class="hint">${t('معاينة نتيجة البحث:', 'Search result preview:')}</p>
<div class="seo-preview" data-seo-preview aria-live="polite">
<div class="url" data-seo-url>${view.origin}/article/${s.slug}</div>
<div class="title" data-seo-title>${s.seo_title || s.title}</div>
<div class="desc" data-seo-desc>${(s.seo_description || s.excerpt).slice(0, 160)}</div>
</div>
</div>
</div>
<aside>
<div class="panel">
<h2>${t('النشر', 'Publishing')}</h2>
${a ? html`<p>${t('الحالة', 'Status')}: <span class="status status-${a.status}">${t(...(STATUS_NAMES[a.status] ?? ['', '']))}</span></p>` : ''}
${publisher ? field({ name: 'publish_at', label: t('موعد النشر', 'Publish at'), type: 'datetime-local', value: s.publish_at, hint: t(`بتوقيت الموقع (${view.site.timeZone})`, `Site time (${view.site.timeZone})`), errors: o.errors }) : ''}
<div class="actions">
<button type="submit" name="action" value="save" class="secondary">${t('حفظ', 'Save')}</button>
${!publisher && a?.status !== 'pending' ? html`<button type="submit" name="action" value="submit">${t('أرسل للمراجعة', 'Submit for review')}</button>` : ''}
${publisher ? html`<button type="submit" name="action" value="schedule" class="secondary">${t('جدولة', 'Schedule')}</button>` : ''}
${publisher ? html`<button type="submit" name="action" value="publish">${a?.status === 'published' ? t('تحديث المنشور', 'Update') : t('نشر', 'Publish')}</button>` : ''}
${publisher && a && a.status !== 'draft' ? html`<button type="submit" name="action" value="unpublish" class="secondary">${t('إلغاء النشر', 'Unpublish')}</button>` : ''}
</div>
${a ? html`<p><a href="/admin/articles/${a.id}/preview" target="_blank">${t('معاينة الصفحة', 'Preview the page')}</a> · <a href="/admin/articles/${a.id}/revisions">${t('النسخ السابقة', 'Revisions')}</a></p>` : ''}
</div>
<div class="panel">
${select('category', t('القسم', 'Section'), o.categories, s.category, t('— اختر —', '— choose —'))}
${field({ name: 'tags', label: t('الوسوم', 'Tags'), value: s.tags, dir: 'auto', hint: t('افصل بينها بفاصلة.', 'Separate with commas.'), list: 'tag-suggestions', errors: o.errors, extra: html`autocomplete="off"` })}
<datalist id="tag-suggestions"></datalist>
${select(
  'featured_media',
  t('الصورة البارزة', 'Featured image'),
  o.images.map((m) => ({ id: m.id, name: m.alt || m.path })),
  s.featured_media,
  t('— بلا صورة —', '— none —'),
)}
${editors ? select('author', t('الكاتب', 'Author'), o.authors, s.author) : ''}
${
  editors
    ? html`<label class="checkbox"><input type="checkbox" name="featured" value="1" ${s.featured ? raw('checked') : ''}> ${t('مميز في الصفحة الرئيسية', 'Featured on the home page')}</label>
<label class="checkbox"><input type="checkbox" name="breaking" value="1" ${s.breaking ? raw('checked') : ''}> ${t('خبر عاجل', 'Breaking news')}</label>`
    : ''
}
<input type="hidden" name="comments_state" value="1">
<label class="checkbox"><input type="checkbox" name="comments_open" value="1" ${s.comments_open !== false ? raw('checked') : ''}> ${t('التعليقات مفتوحة', 'Comments open')}</label>
<fieldset class="protection">
<legend>${t('الحماية بكلمة مرور', 'Password protection')}</legend>
${
  a?.password_hash
    ? html`<p>${t('المقال محمي: لا يقرؤه إلا من يعرف كلمة مروره.', 'Protected: only readers who know its password can read it.')}</p>
<label class="checkbox"><input type="checkbox" name="remove_password" value="1"${s.remove_password ? raw(' checked') : ''}> ${t('أزل كلمة المرور', 'Remove the password')}</label>`
    : ''
}
<label for="article_password">${a?.password_hash ? t('كلمة مرور جديدة', 'New password') : t('كلمة مرور (اختيارية)', 'Password (optional)')}</label>
<input id="article_password" name="article_password" type="password" autocomplete="new-password" maxlength="1024">
</fieldset>
</div>
</aside>
</div>
</form>`;
}
