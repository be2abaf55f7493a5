import type { ArticleDetail, ArticleSummary, Author, Category, StaticPage, TagRef } from '../../content/types.js';
import { paths } from '../../content/urls.js';
import { readingMinutes } from '../../i18n/format.js';
import type { SearchNotice } from '../../search/service.js';
import { avatar, card, pagination, picture, ranked, readingTime, timeTag } from './components.js';
import { html, raw, type SafeHtml } from './html.js';
import type { ViewContext } from './view-context.js';

export interface HomeView {
  lead?: ArticleSummary;
  latest: ArticleSummary[];
  popular: ArticleSummary[];
  sections: { category: Category; articles: ArticleSummary[] }[];
}

export function homePage(ctx: ViewContext, v: HomeView): SafeHtml {
  const { t } = ctx;
  if (!v.lead) return html`<p class="empty">${t.noArticles}</p>`;
  const lead = v.lead;
  return html`<section class="lead" aria-labelledby="lead-title">
<div>
<a class="kicker" href="${paths.category(lead.category.slug)}">${lead.category.name}</a>
<h2 id="lead-title"><a href="${paths.article(lead.slug)}">${lead.title}</a></h2>
<p>${lead.excerpt}</p>
<div class="meta"><bdi>${lead.author.name}</bdi> · ${timeTag(ctx, lead.published_at)}</div>
</div>
${lead.image ? picture(lead.image, { sizes: '(min-width: 48rem) 40vw, 100vw', eager: true, alt: '' }) : ''}
</section>
<div class="home-columns">
<div>
${
  v.latest.length
    ? html`<section aria-labelledby="latest-title"><div class="section-head"><h2 class="section-title" id="latest-title">${t.latest}</h2></div>
<div class="grid">${v.latest.map((a) => card(ctx, a))}</div></section>`
    : ''
}
${v.sections.map(
  (
    s,
  ) => html`<section aria-labelledby="sec-${s.category.id}"><div class="section-head"><h2 class="section-title" id="sec-${s.category.id}"><a href="${paths.category(
    s.category.slug,
  )}">${s.category.name}</a></h2></div>
<div class="grid">${s.articles.map((a) => card(ctx, a))}</div></section>`,
)}
</div>
${sidebar(ctx, v.popular)}
</div>`;
}

function sidebar(ctx: ViewContext, popular: ArticleSummary[]): SafeHtml {
  if (!popular.length) return html``;
  return html`<aside class="sidebar" aria-labelledby="popular-title"><section>
<div class="section-head"><h2 class="section-title" id="popular-title">${ctx.t.mostRead}</h2></div>
${ranked(popular)}
</section></aside>`;
}

export interface ArticleView {
  article: ArticleDetail;
  canonical: string;
  related: ArticleSummary[];
  previous?: ArticleSummary;
  next?: ArticleSummary;
  popular: ArticleSummary[];
  /** The comments section, rendered by the comments templates. */
  comments: SafeHtml;
  /** A protected article the reader has not unlocked: its password form (with the last attempt's error). */
  locked?: { error?: string };
}

export function articlePage(ctx: ViewContext, v: ArticleView): SafeHtml {
  const { t, fmt } = ctx;
  const a = v.article;
  const minutes = readingMinutes(a.word_count);
  const updated = fmt.day(a.updated_at) !== fmt.day(a.published_at);
  return html`<div class="article-layout">
<article class="article" aria-labelledby="article-title">
<header class="article-header">
<a class="kicker" href="${paths.category(a.category.slug)}">${a.category.name}</a>
<h1 id="article-title">${a.title}</h1>
<div class="byline">
<span>${t.by} <a href="${paths.author(a.author.slug)}" rel="author" dir="auto">${a.author.name}</a></span>
<span>${t.publishedOn} ${timeTag(ctx, a.published_at)}</span>
${updated ? html`<span>${t.updatedOn} ${timeTag(ctx, a.updated_at)}</span>` : ''}
<span>${readingTime(ctx, minutes)}</span>
</div>
</header>
${
  a.image
    ? html`<figure class="featured-image">${picture(a.image, { sizes: '(min-width: 64rem) 820px, 100vw', eager: true })}${
        a.image.caption ? html`<figcaption>${a.image.caption}</figcaption>` : ''
      }</figure>`
    : ''
}
${
  v.locked
    ? html`<form class="unlock-form" method="post" action="${paths.article(a.slug)}/unlock">
<p>${t.protectedIntro}</p>
<label for="article-password">${t.articlePassword}</label>
<input id="article-password" name="password" type="password" required autocomplete="off"${
        v.locked.error ? raw(' aria-invalid="true" aria-describedby="article-password-error"') : ''
      }>
${v.locked.error ? html`<p class="field-error" id="article-password-error" role="alert">${v.locked.error}</p>` : ''}
<button type="submit">${t.unlockArticle}</button>
</form>`
    : html`<div class="article-body">
${raw(a.body_html)}
</div>`
}
${
  a.tags.length
    ? html`<h2 class="visually-hidden">${t.tags}</h2><ul class="tag-list">${a.tags.map(
        (tag) => html`<li><a href="${paths.tag(tag.slug)}" rel="tag">${tag.name}</a></li>`,
      )}</ul>`
    : ''
}
${shareLinks(ctx, a.title, v.canonical)}
<section class="author-box" aria-labelledby="author-box-title">
${avatar(a.author.name, a.author.avatar)}
<div>
<h2 id="author-box-title">${t.aboutAuthor}</h2>
<h3><a href="${paths.author(a.author.slug)}" dir="auto">${a.author.name}</a></h3>
${a.author.bio ? html`<p>${a.author.bio}</p>` : ''}
<a href="${paths.author(a.author.slug)}">${t.authorArticles}</a>
</div>
</section>
${
  v.previous || v.next
    ? html`<nav class="prev-next" aria-label="${t.previousArticle} / ${t.nextArticle}">
${v.previous ? html`<a href="${paths.article(v.previous.slug)}" rel="prev"><span>${t.previousArticle}</span>${v.previous.title}</a>` : html`<span></span>`}
${v.next ? html`<a class="next" href="${paths.article(v.next.slug)}" rel="next"><span>${t.nextArticle}</span>${v.next.title}</a>` : ''}
</nav>`
    : ''
}
${v.comments}
</article>
${sidebar(ctx, v.popular)}
</div>
${
  v.related.length
    ? html`<section aria-labelledby="related-title"><div class="section-head"><h2 class="section-title" id="related-title">${t.related}</h2></div>
<div class="grid">${v.related.map((r) => card(ctx, r))}</div></section>`
    : ''
}`;
}

/** Plain share links: nothing loads from the networks until the reader clicks. */
function shareLinks(ctx: ViewContext, title: string, url: string): SafeHtml {
  const u = encodeURIComponent(url);
  const text = encodeURIComponent(title);
  const networks = [
    { name: 'X', href: `https://x.com/intent/post?url=${u}&text=${text}` },
    { name: 'Facebook', href: `https://www.facebook.com/sharer/sharer.php?u=${u}` },
    { name: 'WhatsApp', href: `https://wa.me/?text=${text}%20${u}` },
    { name: 'Telegram', href: `https://t.me/share/url?url=${u}&text=${text}` },
  ];
  return html`<div class="share"><h2>${ctx.t.share}</h2>
${networks.map(
  (n) =>
    html`<a href="${n.href}" rel="noopener noreferrer nofollow" target="_blank" aria-label="${ctx.t.shareOn(n.name)}">${n.name}</a>`,
)}
<a href="mailto:?subject=${text}&amp;body=${u}" aria-label="${ctx.t.copyLink}">✉</a>
</div>`;
}

export type ArchiveSubject =
  { kind: 'category'; category: Category } | { kind: 'tag'; tag: TagRef } | { kind: 'author'; author: Author };

export interface ArchiveView {
  subject: ArchiveSubject;
  basePath: string;
  articles: ArticleSummary[];
  page: number;
  pages: number;
  total: number;
}

export function archivePage(ctx: ViewContext, v: ArchiveView): SafeHtml {
  const { t, fmt } = ctx;
  const s = v.subject;
  const count = html`<p>${fmt.plural(t.articleCount, v.total)}${v.pages > 1 ? html` · ${t.pageOf(v.page, v.pages)}` : ''}</p>`;
  const head =
    s.kind === 'author'
      ? html`<header class="archive-head">${avatar(s.author.name, s.author.avatar, true)}<div><h1>${s.author.name}</h1>${
          s.author.bio ? html`<p>${s.author.bio}</p>` : ''
        }${count}</div></header>`
      : s.kind === 'category'
        ? html`<header class="archive-head"><div><h1>${s.category.name}</h1>${
            s.category.description ? html`<p>${s.category.description}</p>` : ''
          }${count}</div></header>`
        : html`<header class="archive-head"><div><h1><span class="visually-hidden">${t.tag}: </span>#${s.tag.name}</h1>${count}</div></header>`;
  return html`${head}
${v.articles.length ? html`<div class="grid">${v.articles.map((a) => card(ctx, a, { excerpt: true, headingLevel: 2 }))}</div>` : html`<p class="empty">${t.noArticles}</p>`}
${pagination(ctx, v.basePath, v.page, v.pages)}`;
}

export function staticPage(page: StaticPage): SafeHtml {
  return html`<article aria-labelledby="page-title"><h1 id="page-title">${page.title}</h1><div class="page-body">${raw(page.body_html)}</div></article>`;
}

/** Titles of client errors other than 404, in the site language; the error's own message is the text. */
const ERROR_TITLES: Record<number, [string, string]> = {
  401: ['يلزم تسجيل الدخول', 'Sign-in required'],
  403: ['غير مسموح', 'Not allowed'],
  409: ['تعارض', 'Conflict'],
  413: ['الطلب كبير جداً', 'Too large'],
  415: ['نوع غير مدعوم', 'Unsupported type'],
  422: ['تعذّرت المعالجة', 'Could not be processed'],
  429: ['طلبات كثيرة', 'Too many requests'],
  503: ['الموقع غير متاح مؤقتاً', 'Temporarily unavailable'],
  507: ['مساحة التخزين ممتلئة', 'Storage full'],
};

export function errorPage(ctx: ViewContext, status: number, detail?: string): { title: string; body: SafeHtml } {
  const { t } = ctx;
  const specific = ERROR_TITLES[status];
  const [title, text] =
    status === 404
      ? [t.notFoundTitle, t.notFoundText]
      : specific
        ? [specific[ctx.site.lang === 'ar' ? 0 : 1], detail || (status >= 500 ? t.serverErrorText : t.badRequestText)]
        : status >= 500
          ? [t.serverErrorTitle, t.serverErrorText]
          : [t.badRequestTitle, detail || t.badRequestText];
  return {
    title,
    body: html`<section class="error-page" aria-labelledby="error-title">
<p class="code">${ctx.fmt.digits(status)}</p>
<h1 id="error-title">${title}</h1>
<p>${text}</p>
<p><a href="/">${t.backHome}</a></p>
</section>`,
  };
}

export interface SearchView {
  q: string;
  items: { article: ArticleSummary; snippet: string }[];
  total: number;
  page: number;
  pages: number;
  notices: SearchNotice[];
  suggestion?: { q: string; total: number };
  filters: { category?: string; from?: string; to?: string };
  categories: { slug: string; name: string }[];
}

export function searchPage(ctx: ViewContext, v: SearchView): SafeHtml {
  const { t, fmt } = ctx;
  const notice = (n: SearchView['notices'][number]) =>
    n === 'empty_query'
      ? t.emptyQuery
      : n === 'nothing_searchable'
        ? t.nothingSearchable
        : n === 'partial_match'
          ? t.partialMatch
          : n === 'many_matches'
            ? t.manyMatches(fmt.num(v.total))
            : t.truncated;
  const params = { q: v.q, category: v.filters.category, from: v.filters.from, to: v.filters.to };
  return html`<header class="archive-head"><div>
<h1>${v.q.trim() ? t.searchTitle(v.q.slice(0, 100)) : t.search}</h1>
${v.q.trim() && !v.notices.includes('nothing_searchable') ? html`<p>${v.notices.includes('many_matches') ? `${t.moreThan} ` : ''}${fmt.plural(t.resultCount, v.total)}${v.pages > 1 ? html` · ${t.pageOf(v.page, v.pages)}` : ''}</p>` : ''}
</div></header>
${v.notices.map((n) => html`<p class="notice">${notice(n)}</p>`)}
${
  v.suggestion
    ? html`<p class="notice">${t.didYouMean} <a href="${paths.search({ ...params, q: v.suggestion.q })}">${v.suggestion.q}</a> (${fmt.plural(t.resultCount, v.suggestion.total)})</p>`
    : ''
}
<form class="search-filters" action="/search" method="get" aria-label="${t.searchFilters}">
<input type="hidden" name="q" value="${v.q}">
<label>${t.category} <select name="category"><option value="">${t.allSections}</option>${v.categories.map(
    (c) => html`<option value="${c.slug}"${c.slug === v.filters.category ? html` selected` : ''}>${c.name}</option>`,
  )}</select></label>
<label>${t.fromDate} <input type="date" name="from" value="${v.filters.from ?? ''}"></label>
<label>${t.toDate} <input type="date" name="to" value="${v.filters.to ?? ''}"></label>
<button type="submit">${t.applyFilters}</button>
</form>
${
  v.items.length
    ? html`<ol class="results">${v.items.map(
        ({ article: a, snippet }) => html`<li class="result">
<a class="kicker" href="${paths.category(a.category.slug)}">${a.category.name}</a>
<h2><a href="${paths.article(a.slug)}">${a.title}</a></h2>
<p>${raw(snippet)}</p>
<div class="meta">${a.author.name} · ${timeTag(ctx, a.published_at)}</div>
</li>`,
      )}</ol>`
    : v.q.trim() && !v.notices.includes('nothing_searchable')
      ? html`<p class="empty">${t.noResults}</p>`
      : ''
}
${pagination(ctx, paths.search(params), v.page, v.pages)}`;
}

/**
 * The 503 page for when not even the site's settings could ever be read (a process that started as the database
 * went away): the theme's stylesheet, both languages, no database needed.
 */
export function unavailableDocument(stylesheet: string): string {
  return html`<!doctype html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>الموقع غير متاح مؤقتاً</title>
<link rel="stylesheet" href="${stylesheet}">
</head>
<body>
<main id="main" class="wrap">
<section class="error-page" aria-labelledby="error-title">
<p class="code">٥٠٣</p>
<h1 id="error-title">الموقع غير متاح مؤقتاً</h1>
<p>قاعدة البيانات غير متاحة الآن. أعد المحاولة بعد لحظات.</p>
<p lang="en" dir="ltr">The site is temporarily unavailable. Please try again in a few moments.</p>
</section>
</main>
</body>
</html>`.toString();
}
