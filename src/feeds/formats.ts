import { instant } from '../shared/time.js';
import { escapeHtml as escapeXml } from '../web/theme/html.js';

/**
 * The three feed formats from one description of a feed: RSS 2.0, Atom 1.0
 * and JSON Feed 1.1. Pure functions of their input, so each format is tested
 * without HTTP. Dates: RFC 822 in RSS, RFC 3339 in Atom and JSON Feed.
 */
export interface FeedItem {
  id: string;
  url: string;
  title: string;
  summary: string;
  /** Sanitized article HTML, when the site publishes full text in feeds. */
  contentHtml?: string;
  published: string;
  updated: string;
  author: { name: string; url: string };
  categories: string[];
  image?: { url: string; type: string; length: number; width: number; height: number };
}

export interface Feed {
  title: string;
  description: string;
  /** The HTML page this feed follows. */
  homeUrl: string;
  /** The feed's own URL, per format. */
  selfUrl: { rss: string; atom: string; json: string };
  language: string;
  updated: string;
  generator: string;
  items: FeedItem[];
}

export const FEED_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
} as const;

/** RFC 822 (RFC 1123 four-digit years), always in GMT: `Thu, 26 Nov 2026 07:35:55 GMT`. */
export function rfc822(iso: string): string {
  return (instant(iso) ?? new Date(0)).toUTCString();
}

/** RFC 3339 in UTC, without milliseconds: `2026-11-26T07:35:55Z`. */
export function rfc3339(iso: string): string {
  // An unreadable stored time becomes the epoch rather than breaking the whole feed.
  return (instant(iso) ?? new Date(0)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// XML 1.0 forbids most control characters even when escaped; imported text sometimes carries them.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const x = (text: string) => escapeXml(text.replace(NOT_XML, ''));

export function rss(feed: Feed): string {
  const items = feed.items.map(
    (i) => `<item>
<title>${x(i.title)}</title>
<link>${x(i.url)}</link>
<guid isPermaLink="true">${x(i.url)}</guid>
<pubDate>${rfc822(i.published)}</pubDate>
<dc:creator>${x(i.author.name)}</dc:creator>
${i.categories.map((c) => `<category>${x(c)}</category>`).join('\n')}
<description>${x(i.summary)}</description>
${i.contentHtml ? `<content:encoded>${x(i.contentHtml)}</content:encoded>` : ''}
${
  i.image
    ? `<enclosure url="${x(i.image.url)}" length="${i.image.length}" type="${x(i.image.type)}"/>
<media:content url="${x(i.image.url)}" medium="image" type="${x(i.image.type)}" width="${i.image.width}" height="${i.image.height}"/>`
    : ''
}
</item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
<title>${x(feed.title)}</title>
<link>${x(feed.homeUrl)}</link>
<atom:link href="${x(feed.selfUrl.rss)}" rel="self" type="application/rss+xml"/>
<description>${x(feed.description)}</description>
<language>${x(feed.language)}</language>
<lastBuildDate>${rfc822(feed.updated)}</lastBuildDate>
<generator>${x(feed.generator)}</generator>
${items.join('\n')}
</channel>
</rss>
`;
}

export function atom(feed: Feed): string {
  const entries = feed.items.map(
    (i) => `<entry>
<id>${x(i.id)}</id>
<title type="text">${x(i.title)}</title>
<link rel="alternate" type="text/html" href="${x(i.url)}"/>
<published>${rfc3339(i.published)}</published>
<updated>${rfc3339(i.updated)}</updated>
<author><name>${x(i.author.name)}</name><uri>${x(i.author.url)}</uri></author>
${i.categories.map((c) => `<category term="${x(c)}"/>`).join('\n')}
<summary type="text">${x(i.summary)}</summary>
${i.contentHtml ? `<content type="html">${x(i.contentHtml)}</content>` : ''}
${i.image ? `<link rel="enclosure" type="${x(i.image.type)}" length="${i.image.length}" href="${x(i.image.url)}"/>` : ''}
</entry>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${x(feed.language)}">
<id>${x(feed.selfUrl.atom)}</id>
<title type="text">${x(feed.title)}</title>
<subtitle type="text">${x(feed.description)}</subtitle>
<link rel="alternate" type="text/html" href="${x(feed.homeUrl)}"/>
<link rel="self" type="application/atom+xml" href="${x(feed.selfUrl.atom)}"/>
<updated>${rfc3339(feed.updated)}</updated>
<generator>${x(feed.generator)}</generator>
${entries.join('\n')}
</feed>
`;
}

export function jsonFeed(feed: Feed): string {
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: feed.title,
    description: feed.description,
    home_page_url: feed.homeUrl,
    feed_url: feed.selfUrl.json,
    language: feed.language,
    items: feed.items.map((i) => ({
      id: i.id,
      url: i.url,
      title: i.title,
      summary: i.summary,
      ...(i.contentHtml ? { content_html: i.contentHtml } : { content_text: i.summary }),
      ...(i.image ? { image: i.image.url } : {}),
      date_published: rfc3339(i.published),
      date_modified: rfc3339(i.updated),
      authors: [{ name: i.author.name, url: i.author.url }],
      tags: i.categories,
    })),
  });
}
