import type { ArticleDetail, Image } from '../../content/types.js';
import { paths } from '../../content/urls.js';
import { raw, type SafeHtml } from './html.js';
import type { ViewContext } from './view-context.js';

/**
 * schema.org JSON-LD for search engines: NewsArticle and BreadcrumbList on
 * articles, Organization and WebSite (with the site search) on the home page.
 */
type Json = Record<string, unknown>;

export function jsonLdScript(data: Json[]): SafeHtml {
  // `<` escaped so that no string in the data can close the script element.
  return raw(
    data
      .map((d) => `<script type="application/ld+json">${JSON.stringify(d).replace(/</g, '\\u003c')}</script>`)
      .join('\n'),
  );
}

const imageUrl = (origin: string, image: Image) => `${origin}${paths.media((image.variants.at(-1) ?? image).path)}`;

function organization(ctx: ViewContext, origin: string): Json {
  return {
    '@type': 'NewsMediaOrganization',
    '@id': `${origin}/#organization`,
    name: ctx.site.title,
    url: `${origin}/`,
    ...(ctx.logo
      ? {
          logo: {
            '@type': 'ImageObject',
            url: `${origin}${paths.media(ctx.logo.path)}`,
            width: ctx.logo.width,
            height: ctx.logo.height,
          },
        }
      : {}),
  };
}

export function homeStructuredData(ctx: ViewContext, origin: string): Json[] {
  return [
    { '@context': 'https://schema.org', ...organization(ctx, origin) },
    {
      '@context': 'https://schema.org',
      '@type': 'WebSite',
      '@id': `${origin}/#website`,
      name: ctx.site.title,
      description: ctx.site.tagline,
      url: `${origin}/`,
      inLanguage: ctx.site.lang,
      publisher: { '@id': `${origin}/#organization` },
      potentialAction: {
        '@type': 'SearchAction',
        target: { '@type': 'EntryPoint', urlTemplate: `${origin}/search?q={search_term_string}` },
        'query-input': 'required name=search_term_string',
      },
    },
  ];
}

export function breadcrumbs(origin: string, trail: { name: string; path: string }[]): Json {
  return {
    '@context': 'https://schema.org',
    '@type': 'BreadcrumbList',
    itemListElement: trail.map((t, i) => ({
      '@type': 'ListItem',
      position: i + 1,
      name: t.name,
      item: `${origin}${t.path}`,
    })),
  };
}

export function articleStructuredData(ctx: ViewContext, origin: string, a: ArticleDetail, canonical: string): Json[] {
  return [
    {
      '@context': 'https://schema.org',
      '@type': 'NewsArticle',
      mainEntityOfPage: { '@type': 'WebPage', '@id': canonical },
      headline: a.title.slice(0, 110),
      description: a.seo_description || a.excerpt,
      ...(a.image ? { image: [imageUrl(origin, a.image)] } : {}),
      datePublished: a.published_at,
      dateModified: a.updated_at,
      author: [{ '@type': 'Person', name: a.author.name, url: `${origin}${paths.author(a.author.slug)}` }],
      publisher: organization(ctx, origin),
      inLanguage: ctx.site.lang,
      articleSection: a.category.name,
      keywords: a.tags.map((t) => t.name),
      wordCount: a.word_count,
    },
    breadcrumbs(origin, [
      { name: ctx.site.title, path: '/' },
      { name: a.category.name, path: paths.category(a.category.slug) },
      { name: a.title, path: paths.article(a.slug) },
    ]),
  ];
}
