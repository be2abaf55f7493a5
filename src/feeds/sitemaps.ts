import { escapeHtml } from '../web/theme/html.js';
import { rfc3339 } from './formats.js';

/**
 * Sitemaps by the sitemaps.org protocol, with Google's image and news
 * extensions. Every `loc` is absolute and already percent-encoded (Arabic
 * slugs included); `lastmod` is W3C datetime.
 */
export const SITEMAP_SIZE = 1000;
const NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const IMAGE_NS = 'http://www.google.com/schemas/sitemap-image/1.1';
const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9';
const x = escapeHtml;

const w3c = rfc3339;

export function sitemapIndex(entries: { loc: string; lastmod?: string }[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="${NS}">
${entries.map((e) => `<sitemap><loc>${x(e.loc)}</loc>${e.lastmod ? `<lastmod>${w3c(e.lastmod)}</lastmod>` : ''}</sitemap>`).join('\n')}
</sitemapindex>
`;
}

export interface SitemapUrl {
  loc: string;
  lastmod?: string;
  images?: string[];
}

export function urlSet(urls: SitemapUrl[]): string {
  const withImages = urls.some((u) => u.images?.length);
  return `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="${NS}"${withImages ? ` xmlns:image="${IMAGE_NS}"` : ''}>
${urls
  .map(
    (u) =>
      `<url><loc>${x(u.loc)}</loc>${u.lastmod ? `<lastmod>${w3c(u.lastmod)}</lastmod>` : ''}${(u.images ?? [])
        .map((i) => `<image:image><image:loc>${x(i)}</image:loc></image:image>`)
        .join('')}</url>`,
  )
  .join('\n')}
</urlset>
`;
}

export interface NewsEntry {
  loc: string;
  title: string;
  published: string;
}

/** Google News sitemap: articles of the last 48 hours, at most 1,000. */
export function newsSitemap(publication: { name: string; language: string }, entries: NewsEntry[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="${NS}" xmlns:news="${NEWS_NS}">
${entries
  .map(
    (e) =>
      `<url><loc>${x(e.loc)}</loc><news:news><news:publication><news:name>${x(publication.name)}</news:name><news:language>${x(
        publication.language,
      )}</news:language></news:publication><news:publication_date>${w3c(e.published)}</news:publication_date><news:title>${x(
        e.title,
      )}</news:title></news:news></url>`,
  )
  .join('\n')}
</urlset>
`;
}
