import { createHash } from 'node:crypto';
import type { ArticleSummary, Image } from '../../content/types.js';
import { paths } from '../../content/urls.js';
import { html, raw, type SafeHtml } from './html.js';
import type { ViewContext } from './view-context.js';

export interface PageMeta {
  /** The document title without the site name; omitted on the home page. */
  title?: string;
  description?: string;
  /** Absolute canonical URL. */
  canonical?: string;
  /** Slug of the section to mark as current in the menu. */
  section?: string;
  isHome?: boolean;
  breaking?: ArticleSummary[];
  prev?: string;
  next?: string;
  /** The reader's search, to show again in the search box. */
  query?: string;
  /** Keep this page out of search engines (search results). */
  noindex?: boolean;
  /** This archive's own feed, offered beside the site's. */
  feed?: { title: string; path: string };
  /** OpenGraph details of an article page. */
  article?: { image: Image | null; published: string; modified: string; section: string; tags: string[] };
  /** schema.org JSON-LD. */
  structuredData?: SafeHtml;
}

// Applies a stored light/dark choice before first paint, so the page does not flash.
const THEME_BOOT_JS = `try{var t=localStorage.getItem('safir-theme');if(t)document.documentElement.dataset.theme=t}catch(e){}`;
const THEME_BOOT = raw(`<script>${THEME_BOOT_JS}</script>`);

/**
 * The Content-Security-Policy of public pages: everything from the site itself
 * (the one inline script allowed by its hash), images also from https hosts
 * that article bodies may name, and no framing by other sites.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  `script-src 'self' 'sha256-${createHash('sha256').update(THEME_BOOT_JS).digest('base64')}'`,
  "style-src 'self'",
  "img-src 'self' data: https:",
  "font-src 'self'",
  "connect-src 'self'",
  // Only after a reader clicks a video's play button.
  'frame-src https://www.youtube-nocookie.com https://player.vimeo.com',
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/** The admin's: the same, but no page of the newsroom may be framed at all (clickjacking). */
export const ADMIN_CSP = PAGE_CSP.replace("frame-ancestors 'self'", "frame-ancestors 'none'");

/** Powerful browser features no page of Safir uses, turned off for every page and any frame. */
export const PERMISSIONS_POLICY =
  'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()';

const FEED_LINK_TYPES = [
  ['rss', 'application/rss+xml'],
  ['atom', 'application/atom+xml'],
  ['json', 'application/feed+json'],
] as const;

function feedLinks(siteTitle: string, archive?: { title: string; path: string }): SafeHtml {
  const links = (title: string, base: string) =>
    FEED_LINK_TYPES.map(
      ([format, type]) =>
        html`<link rel="alternate" type="${type}" title="${title}" href="${paths.feeds(base)[format]}">`,
    );
  return html`${links(siteTitle, '/')}${archive ? links(`${archive.title} - ${siteTitle}`, archive.path) : ''}`;
}

/** OpenGraph and Twitter Card tags: what a shared link shows. */
function socialMeta(ctx: ViewContext, meta: PageMeta, title: string): SafeHtml {
  const origin = meta.canonical ? new URL(meta.canonical).origin : '';
  const image = meta.article?.image ?? ctx.logo;
  const picture = image ? (image.variants.at(-1) ?? image) : undefined;
  const description = meta.description ?? ctx.site.tagline;
  return html`<meta property="og:site_name" content="${ctx.site.title}">
<meta property="og:locale" content="${ctx.site.lang === 'ar' ? 'ar_AR' : 'en_US'}">
<meta property="og:type" content="${meta.article ? 'article' : 'website'}">
<meta property="og:title" content="${meta.title ?? title}">
<meta property="og:description" content="${description}">
${meta.canonical ? html`<meta property="og:url" content="${meta.canonical}">` : ''}
${
  picture && origin
    ? html`<meta property="og:image" content="${origin}${paths.media(picture.path)}">
<meta property="og:image:width" content="${picture.width}">
<meta property="og:image:height" content="${picture.height}">
<meta property="og:image:alt" content="${image!.alt || ctx.site.title}">
<meta name="twitter:image" content="${origin}${paths.media(picture.path)}">`
    : ''
}
${
  meta.article
    ? html`<meta property="article:published_time" content="${meta.article.published}">
<meta property="article:modified_time" content="${meta.article.modified}">
<meta property="article:section" content="${meta.article.section}">
${meta.article.tags.map((t) => html`<meta property="article:tag" content="${t}">`)}`
    : ''
}
<meta name="twitter:card" content="${picture ? 'summary_large_image' : 'summary'}">
<meta name="twitter:title" content="${meta.title ?? title}">
<meta name="twitter:description" content="${description}">`;
}

export function layout(ctx: ViewContext, meta: PageMeta, main: SafeHtml): string {
  const { site, t, fmt, assets } = ctx;
  const title = meta.title ? `${meta.title} - ${site.title}` : `${site.title} - ${site.tagline}`;
  const brand = ctx.logo
    ? html`<a href="/"><img class="site-logo" src="${paths.media(ctx.logo.path)}" width="${ctx.logo.width}" height="${ctx.logo.height}" alt="${site.title}"></a>`
    : html`<a href="/">${site.title}</a>`;
  return html`<!doctype html>
<html lang="${site.lang}" dir="${site.direction}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${meta.description ? html`<meta name="description" content="${meta.description}">` : ''}
${meta.canonical ? html`<link rel="canonical" href="${meta.canonical}">` : ''}
${feedLinks(site.title, meta.feed)}
${socialMeta(ctx, meta, title)}
${meta.structuredData ?? ''}
${meta.noindex ? html`<meta name="robots" content="noindex, follow">` : ''}
${meta.prev ? html`<link rel="prev" href="${meta.prev}">` : ''}
${meta.next ? html`<link rel="next" href="${meta.next}">` : ''}
<meta name="color-scheme" content="light dark">
${site.lang === 'ar' ? html`<link rel="preload" href="${assets.bodyFont}" as="font" type="font/woff2" crossorigin>` : ''}
<link rel="icon" href="${assets.favicon}" type="image/svg+xml">
<link rel="stylesheet" href="${assets.css}">
${THEME_BOOT}
<script src="${assets.js}" defer></script>
</head>
<body>
<a class="skip-link" href="#main">${t.skipToContent}</a>
<header class="masthead">
<div class="wrap topbar">
<span>${fmt.today()}</span>
<button type="button" class="theme-toggle" data-theme-toggle hidden aria-pressed="false">${t.toggleTheme}</button>
</div>
<div class="wrap brand">
${meta.isHome ? html`<h1 class="site-title">${brand}</h1>` : html`<p class="site-title">${brand}</p>`}
<p class="tagline">${site.tagline}</p>
<form class="search-form" role="search" action="/search" method="get">
<label for="site-search" class="visually-hidden">${t.searchLabel}</label>
<input id="site-search" type="search" name="q" value="${meta.query ?? ''}" maxlength="300" autocomplete="off" placeholder="${t.searchLabel}" aria-controls="search-suggestions" data-search-suggest>
<button type="submit">${t.searchButton}</button>
<ul id="search-suggestions" class="suggestions" aria-label="${t.suggestions}" aria-live="polite" hidden></ul>
</form>
</div>
<nav class="site-nav" aria-label="${t.mainMenu}">
<ul class="wrap">
<li><a href="/"${meta.isHome ? html` aria-current="page"` : ''}>${t.home}</a></li>
${ctx.nav.map(
  (c) =>
    html`<li><a href="${paths.category(c.slug)}"${meta.section === c.slug ? html` aria-current="page"` : ''}>${c.name}</a></li>`,
)}
</ul>
</nav>
${
  meta.breaking?.length
    ? html`<div class="breaking"><div class="wrap"><strong>${t.breaking}</strong><ul>${meta.breaking.map(
        (a) => html`<li><a href="${paths.article(a.slug)}">${a.title}</a></li>`,
      )}</ul></div></div>`
    : ''
}
</header>
<main id="main" class="wrap" tabindex="-1">
${main}
</main>
<footer class="site-footer">
<div class="wrap">
${
  ctx.pages.length
    ? html`<nav aria-label="${t.footerNav}"><ul>${ctx.pages.map(
        (p) => html`<li><a href="${paths.page(p.slug)}">${p.title}</a></li>`,
      )}</ul></nav>`
    : ''
}
<p>${site.copyright.replace('{year}', fmt.digits(new Date().getFullYear()))}</p>
${site.credit ? html`<p>${site.credit}</p>` : ''}
</div>
</footer>
</body>
</html>
`.value;
}
