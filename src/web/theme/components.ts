import type { ArticleSummary, Image } from '../../content/types.js';
import { paths, withPage } from '../../content/urls.js';
import { html, type SafeHtml } from './html.js';
import type { ViewContext } from './view-context.js';

/** An `<img>` with WebP renditions in `srcset` when the media pipeline made them. */
export function picture(
  image: Image,
  opts: { sizes: string; eager?: boolean; className?: string; alt?: string } = { sizes: '100vw' },
): SafeHtml {
  const widest = image.variants.at(-1);
  const src = paths.media(widest ? widest.path : image.path);
  const srcset = image.variants.length
    ? [
        ...image.variants.map((v) => `${paths.media(v.path)} ${v.width}w`),
        `${paths.media(image.path)} ${image.width}w`,
      ].join(', ')
    : undefined;
  return html`<img src="${src}"${srcset ? html` srcset="${srcset}" sizes="${opts.sizes}"` : ''} width="${image.width}" height="${
    image.height
  }" alt="${opts.alt ?? image.alt}"${opts.eager ? html` fetchpriority="high"` : html` loading="lazy" decoding="async"`}${
    opts.className ? html` class="${opts.className}"` : ''
  }>`;
}

export function timeTag(ctx: ViewContext, iso: string): SafeHtml {
  return html`<time datetime="${iso}">${ctx.fmt.date(iso)}</time>`;
}

export function readingTime(ctx: ViewContext, minutes: number): string {
  return ctx.fmt.plural(ctx.t.readingTime, minutes);
}

/** Initials avatar drawn in CSS: no image request, no hash of anyone's email. */
export function avatar(name: string, image: Image | null, large = false): SafeHtml {
  const cls = large ? 'avatar avatar-large' : 'avatar';
  if (image) return picture(image, { sizes: large ? '96px' : '72px', className: cls, alt: '' });
  const initial = [...name.replace(/^(ال)/, '').trim()][0] ?? '؟';
  return html`<span class="${cls}" aria-hidden="true">${initial}</span>`;
}

export function card(
  ctx: ViewContext,
  a: ArticleSummary,
  opts: { excerpt?: boolean; headingLevel?: 2 | 3 } = {},
): SafeHtml {
  const heading = html`<a href="${paths.article(a.slug)}">${a.title}</a>`;
  return html`<article class="card">
${a.image ? picture(a.image, { sizes: '(min-width: 64rem) 300px, (min-width: 40rem) 50vw, 100vw', alt: '' }) : ''}
<a class="kicker" href="${paths.category(a.category.slug)}">${a.category.name}</a>
${opts.headingLevel === 2 ? html`<h2>${heading}</h2>` : html`<h3>${heading}</h3>`}
${a.protected ? html`<p class="protected-label">${ctx.t.protectedArticle}</p>` : opts.excerpt ? html`<p>${a.excerpt}</p>` : ''}
<div class="meta">${timeTag(ctx, a.published_at)}${
    a.comment_count || a.comments_open
      ? html` · <a href="${paths.article(a.slug)}#comments">${ctx.fmt.plural(ctx.t.commentCount, a.comment_count)}</a>`
      : ''
  }</div>
</article>`;
}

export function ranked(list: ArticleSummary[]): SafeHtml {
  return html`<ol class="ranked">${list.map((a) => html`<li><a href="${paths.article(a.slug)}">${a.title}</a></li>`)}</ol>`;
}

/**
 * Page links: first, last, and two either side of the current page, with
 * gaps between. Always shows where the reader is ("page 3 of 60").
 */
export function pagination(ctx: ViewContext, basePath: string, page: number, pages: number): SafeHtml {
  if (pages <= 1) return html``;
  const shown = new Set([1, pages, page - 2, page - 1, page, page + 1, page + 2].filter((p) => p >= 1 && p <= pages));
  const numbers = [...shown].sort((x, y) => x - y);
  const items: SafeHtml[] = [];
  let last = 0;
  for (const p of numbers) {
    if (p - last > 1) items.push(html`<span class="gap" aria-hidden="true">…</span>`);
    items.push(
      p === page
        ? html`<span aria-current="page">${ctx.fmt.num(p)}</span>`
        : html`<a href="${withPage(basePath, p)}" aria-label="${ctx.t.pageOf(p, pages)}">${ctx.fmt.num(p)}</a>`,
    );
    last = p;
  }
  return html`<nav class="pagination" aria-label="${ctx.t.pagination}">
${page > 1 ? html`<a href="${withPage(basePath, page - 1)}" rel="prev">${ctx.t.newer}</a>` : ''}
${items}
${page < pages ? html`<a href="${withPage(basePath, page + 1)}" rel="next">${ctx.t.older}</a>` : ''}
<span class="visually-hidden">${ctx.t.pageOf(page, pages)}</span>
</nav>`;
}
