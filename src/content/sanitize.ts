import { lookup } from '../shared/lookup.js';
import sanitizeHtml from 'sanitize-html';

/**
 * The allowlist for article and page bodies. Anything not named here is
 * removed: scripts, event handlers, inline styles, frames, forms and every URL
 * scheme but http(s) and mailto.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'hr',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'strong',
    'b',
    'em',
    'i',
    'u',
    's',
    'sub',
    'sup',
    'mark',
    'small',
    'blockquote',
    'q',
    'cite',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'figure',
    'figcaption',
    'code',
    'pre',
    'abbr',
    'span',
    'table',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
    'caption',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'hreflang'],
    img: ['src', 'srcset', 'sizes', 'alt', 'width', 'height', 'loading'],
    th: ['colspan', 'rowspan', 'scope'],
    td: ['colspan', 'rowspan'],
    abbr: ['title'],
    figure: ['class', 'data-embed', 'data-embed-id'],
    '*': ['dir', 'lang'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    // Bodies come from trusted staff, but links still must not hand our window to the target.
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: mergeRel(attribs.rel, 'noopener') } }),
    img: (tagName, attribs) => ({ tagName, attribs: { loading: 'lazy', ...attribs } }),
    figure: (tagName, attribs) => ({ tagName, attribs: embedAttributes(attribs) }),
  },
};

/**
 * A video is kept as a figure naming a known provider and a video id, never
 * as a frame: the theme shows a link and loads the player only when the reader
 * asks (privacy: no request to the provider before that).
 */
const EMBED_IDS: Record<string, RegExp> = { youtube: /^[A-Za-z0-9_-]{11}$/, vimeo: /^\d{6,12}$/ };

function embedAttributes(attribs: Record<string, string>): Record<string, string> {
  const provider = attribs['data-embed'] ?? '';
  const id = attribs['data-embed-id'] ?? '';
  const valid = attribs.class === 'embed' && lookup(EMBED_IDS, provider)?.test(id);
  return valid ? { class: 'embed', 'data-embed': provider, 'data-embed-id': id } : {};
}

function mergeRel(existing: string | undefined, add: string): string {
  const parts = new Set((existing ?? '').split(/\s+/).filter(Boolean));
  parts.add(add);
  return [...parts].join(' ');
}

export function sanitizeBody(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}

/** Plain text of an HTML fragment, whitespace collapsed. */
export function textOf(html: string): string {
  // Block ends and line breaks separate words even when no whitespace follows them.
  const spaced = html.replace(/<\/(p|h[1-6]|li|blockquote|div|figcaption|td|th|pre)>|<br\s*\/?>/gi, '$& ');
  return sanitizeHtml(spaced, { allowedTags: [], allowedAttributes: {} })
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

export function countWords(text: string): number {
  const m = text.match(/[\p{L}\p{N}]+/gu);
  return m ? m.length : 0;
}

/** First words of a text, cut at a word boundary, with an ellipsis when cut. */
export function excerptOf(text: string, maxChars = 220): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxChars / 2 ? cut.slice(0, space) : cut).replace(/[\s،,.:;-]+$/, '')}…`;
}

/** Turns plain text with blank-line paragraphs into escaped `<p>` paragraphs. */
export function paragraphsToHtml(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeText(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
