import { analyze, normalize, STOP_WORDS, tokenize } from './analyzer.js';
import type { MatchExpression } from '../db/search/index.js';

/** The longest query we read; the rest is ignored (and the reader told so). */
export const MAX_QUERY_CHARS = 300;
const MAX_TERMS = 16;
const MIN_PREFIX_CHARS = 2;
/** Stop words as terms, computed once. */
const STOP_TERMS: ReadonlySet<string> = new Set([...STOP_WORDS].map((w) => analyze(w)[0]!));

export interface ParsedQuery {
  match: MatchExpression;
  /** The query's words as the reader wrote them (normalised), for "did you mean". */
  words: string[];
  /** Every term a matching article may show, for highlighting. */
  highlight: { terms: Set<string>; prefix?: string };
  truncated: boolean;
  /** Nothing searchable was left (only punctuation, only exclusions…). */
  empty: boolean;
}

/**
 * Reads the reader's query language: words are all required, "quoted
 * phrases" match in order, -word excludes, and the last word also matches as
 * a prefix (search as you type). Anything else (FTS operators, SQL, odd
 * Unicode) is just text: only analyzer terms reach the index.
 */
export function parseQuery(input: string, opts: { prefixLast?: boolean } = {}): ParsedQuery {
  // Lone surrogates (invalid Unicode) become U+FFFD; control characters become spaces.
  let text = input
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[\u0000-\u001f\u007f]/g, ' ');
  const truncated = text.length > MAX_QUERY_CHARS;
  if (truncated) text = text.slice(0, MAX_QUERY_CHARS);

  const terms: string[] = [];
  const phrases: string[][] = [];
  const excluded: string[] = [];
  const words: string[] = [];
  let prefix: string | undefined;

  // Quotes pair up from the left; an unpaired quote is ignored.
  const pieces = [...text.matchAll(/(-?)"([^"]*)"|(-?)([^\s"]+)/g)];
  pieces.forEach((m, i) => {
    if (m[2] !== undefined) {
      const phrase = analyze(m[2]);
      if (m[1]) excluded.push(...phrase);
      else if (phrase.length === 1) terms.push(phrase[0]!);
      else if (phrase.length > 1) phrases.push(phrase);
      return;
    }
    const raw = m[4]!;
    if (m[3] && raw.length > 0) {
      excluded.push(...analyze(raw));
      return;
    }
    const tokens = tokenize(raw);
    words.push(...tokens.map((t) => t.normalized));
    const isLast = i === pieces.length - 1 && !/\s$/.test(text);
    tokens.forEach((t, j) => {
      if (opts.prefixLast && isLast && j === tokens.length - 1 && [...t.normalized].length >= MIN_PREFIX_CHARS) {
        prefix = t.term;
      } else {
        terms.push(t.term);
      }
    });
  });

  // Stop words are dropped from the required terms unless nothing else would be left.
  const meaningful = terms.filter((t) => !STOP_TERMS.has(t));
  let required = meaningful.length || phrases.length || prefix ? meaningful : terms;
  if (prefix && STOP_TERMS.has(prefix) && (required.length || phrases.length)) prefix = undefined;

  required = [...new Set(required)].slice(0, MAX_TERMS);
  const match: MatchExpression = {
    terms: required,
    phrases: phrases.slice(0, 4),
    prefix,
    excluded: [...new Set(excluded)].slice(0, MAX_TERMS).filter((x) => !required.includes(x)),
  };
  const empty = !match.terms.length && !match.phrases.length && !match.prefix;
  return {
    match,
    words: words.slice(0, MAX_TERMS),
    highlight: { terms: new Set([...match.terms, ...match.phrases.flat()]), prefix },
    truncated,
    empty,
  };
}

/** The query with one word replaced, for a "did you mean" link. */
export function replaceWord(input: string, from: string, to: string): string {
  return input
    .split(/(\s+)/)
    .map((w) => (normalize(w) === from ? to : w))
    .join('');
}
