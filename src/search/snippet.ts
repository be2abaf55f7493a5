import { escapeHtml } from '../web/theme/html.js';
import { tokenize } from './analyzer.js';

const WINDOW_WORDS = 32;

/**
 * A passage of the article around the densest cluster of matched words, with
 * each matched word (as written, diacritics and all) in <mark>. Everything
 * else is escaped. Marks wrap whole words, so right-to-left text stays intact.
 */
export function snippet(plain: string, highlight: { terms: Set<string>; prefix?: string }): string {
  const tokens = tokenize(plain);
  if (!tokens.length) return '';
  const hit = tokens.map(
    (t) => highlight.terms.has(t.term) || (highlight.prefix !== undefined && t.term.startsWith(highlight.prefix)),
  );
  let best = 0;
  let bestCount = -1;
  let count = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (hit[i]) count++;
    if (i >= WINDOW_WORDS && hit[i - WINDOW_WORDS]) count--;
    if (count > bestCount) {
      bestCount = count;
      best = Math.max(0, i - WINDOW_WORDS + 1);
    }
  }
  // Start a few words before the first hit of the window, so it reads in context.
  const firstHit = hit.indexOf(true, best);
  const start = firstHit >= 0 ? Math.max(0, Math.min(best, firstHit - 4)) : 0;
  const end = Math.min(tokens.length, start + WINDOW_WORDS);
  const from = tokens[start]!.start;
  const last = tokens[end - 1]!;
  const to = end < tokens.length ? last.start + last.original.length : plain.length;

  let out = start > 0 ? '… ' : '';
  let cursor = from;
  for (let i = start; i < end; i++) {
    const t = tokens[i]!;
    out += escapeHtml(plain.slice(cursor, t.start));
    out += hit[i] ? `<mark>${escapeHtml(t.original)}</mark>` : escapeHtml(t.original);
    cursor = t.start + t.original.length;
  }
  out += escapeHtml(plain.slice(cursor, to));
  if (end < tokens.length) out += ' …';
  return out.replace(/\s+/g, ' ').trim();
}
